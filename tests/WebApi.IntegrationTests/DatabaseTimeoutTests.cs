using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Migration.Domain;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>
/// A lock held on the primary side: a write waits at most the configured lock wait, then answers 503 with nothing
/// written on either side and no database text in the body; readiness is unhealthy while the side times out and
/// healthy again once the lock is gone. Each provider runs the tests through its own subclass.
/// </summary>
public abstract class DatabaseTimeoutTests
{
    private const long Locked1 = 7, Locked2 = 8;
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    protected abstract Task<TestDatabases> CreateDatabasesAsync();

    /// <summary>Opens a transaction on the source that holds a write lock on the rows (or more) until disposed.</summary>
    private protected abstract Task<LockHolder> HoldLockAsync(TestDatabases db, params long[] ids);

    /// <summary>What the database says when a lock wait ran out.</summary>
    protected abstract string LockWaitError { get; }

    [Fact]
    public async Task Write_RowsLockedOnThePrimary_Answer503WithinTheLockWait_WriteNothing_AndReadinessFollowsTheLock()
    {
        var logs = new LogCollector();
        await using var api = new MigrationApi(await CreateDatabasesAsync(), 300, new Dictionary<string, string?>
        {
            ["Migration:Pattern"] = "src_first",
            ["Migration:Source:LockWaitTimeoutSeconds"] = "1",
            ["Migration:Target:LockWaitTimeoutSeconds"] = "1",
            ["Migration:Health:TimeoutWindowMs"] = "3000",
        }, services: s => s.AddSingleton<ILoggerProvider>(logs));
        var db = api.Databases;
        var client = api.CreateClient();
        var (source, target) = (await db.ReadAllAsync(Direction.Src), await db.ReadAllAsync(Direction.Dst));

        await using (await HoldLockAsync(db, Locked1, Locked2))
        {
            var clock = Stopwatch.StartNew();
            var update = await client.PutAsJsonAsync($"/api/users/{Locked1}", new { name = "Blocked", email = "blocked@example.com", age = 30, balance = 1m }, _ct);
            await AssertTimedOutAsync(update, clock.Elapsed, logs);
            clock.Restart();
            var delete = await client.DeleteAsync($"/api/users/{Locked2}", _ct);
            await AssertTimedOutAsync(delete, clock.Elapsed, logs);

            // While it times out, the side is not ready, though it answers a trivial query; the process is live.
            var ready = await client.GetAsync("/health/ready", _ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            var databases = (await JsonAsync(ready)).GetProperty("checks").GetProperty("databases");
            Assert.Equal("Unhealthy", databases.GetProperty("status").GetString());
            Assert.Contains("SRC: a statement timed out", databases.GetProperty("description").GetString(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live", _ct)).StatusCode);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health", _ct)).StatusCode);

            // Counted by database, and by instance like every other metric (one process may host several).
            var metrics = await api.CreateAnonymousClient().GetStringAsync("/metrics", _ct);
            Assert.True(DeadLetterTests.Counter(metrics, "migration_database_timeouts_total", api.InstanceId, "database=\"SRC\"") >= 2, metrics);
        }

        Assert.Equal(source, await db.ReadAllAsync(Direction.Src));
        Assert.Equal(target, await db.ReadAllAsync(Direction.Dst));

        // Lock released: ready again within the window, and the same write goes through.
        await Eventually.HoldsAsync(async () => (await client.GetAsync("/health/ready", _ct)).StatusCode == HttpStatusCode.OK, "ready again", seconds: 15);
        var retried = await client.PutAsJsonAsync($"/api/users/{Locked1}", new { name = "Unblocked", email = "blocked@example.com", age = 30, balance = 1m }, _ct);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
    }

    /// <summary>A 503 about the primary, within about the lock wait, with no database text in the body but a trace id the log has it under.</summary>
    private async Task AssertTimedOutAsync(HttpResponseMessage response, TimeSpan took, LogCollector logs)
    {
        var body = await response.Content.ReadAsStringAsync(_ct);
        Assert.True(took > TimeSpan.FromSeconds(0.9) && took < TimeSpan.FromSeconds(5), $"{(int)response.StatusCode} after {took.TotalSeconds:F1} s: {body}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal(("SRC", false), (problem.GetProperty("side").GetString(), problem.GetProperty("primaryCommitted").GetBoolean()));
        Assert.DoesNotContain(LockWaitError, body, StringComparison.OrdinalIgnoreCase);
        var traceId = problem.GetProperty("traceId").GetString()!;
        Assert.Contains(logs.Entries, e => Equals(e.Values.GetValueOrDefault("TraceId"), traceId)
            && e.Message.Contains(LockWaitError, StringComparison.OrdinalIgnoreCase));
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
}

public sealed class SqliteDatabaseTimeoutTests : DatabaseTimeoutTests
{
    protected override string LockWaitError => "database is locked";

    protected override Task<TestDatabases> CreateDatabasesAsync() => Task.FromResult<TestDatabases>(new SqliteTestDatabases());

    /// <summary>SQLite locks the whole database for writing.</summary>
    private protected override Task<LockHolder> HoldLockAsync(TestDatabases db, params long[] ids) => LockHolder.BeginAsync(db, Direction.Src, "BEGIN IMMEDIATE");
}

public sealed class MariaDbDatabaseTimeoutTests(MariaDbFixture mariaDb) : DatabaseTimeoutTests
{
    protected override string LockWaitError => "Lock wait timeout exceeded";

    protected override async Task<TestDatabases> CreateDatabasesAsync() =>
        await MariaDbTestDatabases.CreateAsync(await mariaDb.GetServerAsync());

    private protected override Task<LockHolder> HoldLockAsync(TestDatabases db, params long[] ids) => LockHolder.RowsAsync(db, Direction.Src, ids);
}
