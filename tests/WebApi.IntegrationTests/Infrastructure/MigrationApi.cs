using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Migration.Application.Abstractions;
using Migration.Application.Validation.GetStatus;
using Migration.Domain;
using Migration.Infrastructure.Outbox;

namespace Migration.WebApi.IntegrationTests.Infrastructure;

/// <summary>The whole service on a test server, over the given databases, seeded with <paramref name="seedRows"/> demo rows.</summary>
/// <param name="services">Registers test services after the service's own, e.g. a log collector.</param>
internal sealed class MigrationApi(
    TestDatabases databases,
    int seedRows = 3_000,
    IReadOnlyDictionary<string, string?>? settings = null,
    bool ownsDatabases = true,
    Action<IServiceCollection>? services = null)
    : WebApplicationFactory<Program>
{
    public TestDatabases Databases => databases;

    /// <summary>A key with the operator role; every client from <c>CreateClient</c> sends it.</summary>
    public const string OperatorKey = "test-operator-key-0123456789abcdef";

    /// <summary>A valid key without any role.</summary>
    public const string ViewerKey = "test-viewer-key-0123456789abcdef";

    public RecordingPublisher Publisher => Services.GetRequiredService<RecordingPublisher>();

    /// <summary>This host's instance id, as in the status and in the <c>migration_instance</c> tag of its metrics.</summary>
    public string InstanceId => Services.GetRequiredService<IInstanceRegistry>().InstanceId;

    /// <summary>
    /// Every event so far has been repaired: nothing waits in the outbox (after a restart it may still hold events of
    /// the previous process, which this process's repair counters do not know) and nothing in the repair's backlog.
    /// </summary>
    public static bool Drained(MigrationStatusDto status) => status.Repair.Pending == 0 && status.Outbox is { Pending: 0 };

    /// <summary>A client that sends no API key.</summary>
    public HttpClient CreateAnonymousClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Remove("X-Api-Key");
        return client;
    }

    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        client.DefaultRequestHeaders.Add("X-Api-Key", OperatorKey);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Migration:DataDirectory", databases.DataDirectory);
        foreach (var (side, name) in new[] { (Direction.Src, "Source"), (Direction.Dst, "Target") })
        {
            builder.UseSetting($"Migration:{name}:Provider", databases.Provider);
            builder.UseSetting($"Migration:{name}:ConnectionString", databases.ConnectionString(side));
        }

        builder.UseSetting("Migration:Seed:Rows", seedRows.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Migration:Validation:RecheckDelayMs", "50");
        builder.UseSetting("Migration:Validation:RetryBackoffMs", "50");
        builder.UseSetting("Migration:Validation:MaxRetryBackoffMs", "400");
        builder.UseSetting("Migration:Repair:RetryBackoffMs", "50");
        builder.UseSetting("Migration:Repair:MaxAttempts", "20");
        // Tests prove a cut-over as soon as the repair drained; the quiet window has its own test.
        builder.UseSetting("Migration:Cutover:QuietSeconds", "0");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("Auth:ApiKeys:0:Name", "tests");
        builder.UseSetting("Auth:ApiKeys:0:Key", OperatorKey);
        builder.UseSetting("Auth:ApiKeys:0:Roles:0", "operator");
        builder.UseSetting("Auth:ApiKeys:1:Name", "viewer");
        builder.UseSetting("Auth:ApiKeys:1:Key", ViewerKey);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(testServices =>
        {
            testServices.AddSingleton(sp => new RecordingPublisher(ActivatorUtilities.CreateInstance<OutboxInconsistencyPublisher>(sp)));
            testServices.AddSingleton<IInconsistencyPublisher>(sp => sp.GetRequiredService<RecordingPublisher>());
            services?.Invoke(testServices);
        });
    }

    /// <summary>Stops the service, then removes its databases.</summary>
    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (ownsDatabases)
        {
            await databases.DisposeAsync();
        }
    }

    public async Task<MigrationStatusDto> StatusAsync() =>
        (await CreateClient().GetFromJsonAsync<MigrationStatusDto>("/migrator/status", TestContext.Current.CancellationToken))!;

    /// <summary>Polls the status until <paramref name="condition"/> holds, failing with the last status after the deadline.</summary>
    public async Task<MigrationStatusDto> WaitForStatusAsync(Func<MigrationStatusDto, bool> condition, int seconds = 20)
    {
        var deadline = TimeProvider.System.GetTimestamp() + (long)(seconds * TimeProvider.System.TimestampFrequency);
        while (true)
        {
            var status = await StatusAsync();
            if (condition(status))
            {
                return status;
            }

            Assert.True(TimeProvider.System.GetTimestamp() < deadline, $"Status did not reach the condition within {seconds} s; last: {status}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}
