using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Migration.Domain;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>
/// The service as its own process, stopped the way a container runtime stops it (SIGTERM) while work waits for a
/// database lock: it exits 0 within its shutdown timeout, with a clean-stop line and no worker failing on the way out.
/// </summary>
public sealed class ShutdownTests(MariaDbFixture mariaDb)
{
    private const string Key = "shutdown-test-key-0123456789abcdef";
    private const int ShutdownTimeoutSeconds = 10;
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sigterm_WhileAWriteWaitsForALock_AnswersItAndExits0WithinTheShutdownTimeout()
    {
        await using var db = await MariaDbTestDatabases.CreateAsync(await mariaDb.GetServerAsync());
        using var service = await StartAsync(db, new() { ["Migration:Pattern"] = "src_first", ["Migration:Source:LockWaitTimeoutSeconds"] = "3" });
        using var client = Client(service);

        Task<HttpResponseMessage> write;
        await using (var locked = await LockHolder.RowsAsync(db, Direction.Src, 7))
        {
            write = client.PutAsJsonAsync("/api/users/7", new { name = "Mid Shutdown", email = "mid@example.com", age = 30, balance = 1m }, _ct);
            await Eventually.HoldsAsync(async () => write.IsCompleted || await locked.LockingReadsAsync() > 0, "the write waiting for the row lock");
            Assert.False(write.IsCompleted, $"the write did not wait: {(write.IsCompleted ? await (await write).Content.ReadAsStringAsync(_ct) : "")}");

            await TerminateAndAssertCleanStopAsync(service);
        }

        // The request in flight got its own answer (the lock wait ran out), not a dropped connection.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await write).StatusCode);
    }

    [Fact]
    public async Task Sigterm_WhileTheRepairWaitsForALock_StopsWithoutReportingAFailure()
    {
        await using var db = new SqliteTestDatabases();
        using var service = await StartAsync(db, new()
        {
            ["Migration:Seed:Rows"] = "2000",
            ["Migration:Target:LockWaitTimeoutSeconds"] = "3",
            ["Migration:Repair:MaxAttempts"] = "1000",
            ["Migration:Repair:RetryBackoffMs"] = "50",
            // The journal's trim waits on the same lock most of the time, so SIGTERM finds it waiting too.
            ["Migration:Journal:TrimIntervalMs"] = "50",
        });
        using var client = Client(service);

        // The target's write lock held: validation reads on (WAL), but every repair waits for the lock, fails, retries.
        await using (await LockHolder.BeginAsync(db, Direction.Dst, "BEGIN IMMEDIATE"))
        {
            Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync("/migrator/full/start", null, _ct)).StatusCode);
            await Eventually.HoldsAsync(async () => service.HasExited || (await service.StatusAsync())?.Repair.Failed >= 1, "a repair failing on the lock");

            await TerminateAndAssertCleanStopAsync(service);
        }
    }

    private static async Task<ServiceProcess> StartAsync(TestDatabases db, Dictionary<string, string?> settings)
    {
        settings["Migration:DataDirectory"] = db.DataDirectory;
        foreach (var (side, name) in new[] { (Direction.Src, "Source"), (Direction.Dst, "Target") })
        {
            settings[$"Migration:{name}:Provider"] = db.Provider;
            settings[$"Migration:{name}:ConnectionString"] = db.ConnectionString(side);
        }

        settings.TryAdd("Migration:Seed:Rows", "100");
        settings["Migration:ShutdownTimeoutSeconds"] = ShutdownTimeoutSeconds.ToString(CultureInfo.InvariantCulture);
        settings["Auth:ApiKeys:0:Key"] = Key;
        settings["Logging:LogLevel:Default"] = "Information";
        var service = ServiceProcess.Start(settings);
        await Eventually.HoldsAsync(async () => service.HasExited || await service.StatusAsync() is not null, "the service answering", seconds: 60);
        Assert.False(service.HasExited, service.Output);
        return service;
    }

    private static HttpClient Client(ServiceProcess service)
    {
        var client = new HttpClient { BaseAddress = service.Address, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Add("X-Api-Key", Key);
        return client;
    }

    /// <summary>SIGTERM; then the process must end within the shutdown timeout, exit 0, say it stopped cleanly and log no failure of a worker.</summary>
    private static async Task TerminateAndAssertCleanStopAsync(ServiceProcess service)
    {
        var clock = Stopwatch.StartNew();
        service.Terminate();
        var exited = await service.WaitForExitAsync(TimeSpan.FromSeconds(ShutdownTimeoutSeconds + 15));
        var took = clock.Elapsed;
        var output = service.Output;
        TestContext.Current.TestOutputHelper?.WriteLine($"Stopped {took.TotalSeconds:F1} s after SIGTERM:\n{output}");

        Assert.True(exited, $"still running {took.TotalSeconds:F0} s after SIGTERM:\n{output}");
        Assert.True(took < TimeSpan.FromSeconds(ShutdownTimeoutSeconds), $"the stop took {took.TotalSeconds:F1} s:\n{output}");
        Assert.Equal(0, service.ExitCode);
        Assert.Contains("Stopped cleanly", output, StringComparison.Ordinal);
        foreach (var bad in new[] { "failed unexpectedly", "Unhandled exception", "BackgroundService failed", "failed to stop", "crit:" })
        {
            Assert.DoesNotContain(bad, output, StringComparison.OrdinalIgnoreCase);
        }
    }
}
