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
internal sealed class MigrationApi(TestDatabases databases, int seedRows = 3_000, IReadOnlyDictionary<string, string?>? settings = null)
    : WebApplicationFactory<Program>
{
    public TestDatabases Databases => databases;

    public RecordingPublisher Publisher => Services.GetRequiredService<RecordingPublisher>();

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
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton(sp => new RecordingPublisher(ActivatorUtilities.CreateInstance<OutboxInconsistencyPublisher>(sp)));
            services.AddSingleton<IInconsistencyPublisher>(sp => sp.GetRequiredService<RecordingPublisher>());
        });
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
