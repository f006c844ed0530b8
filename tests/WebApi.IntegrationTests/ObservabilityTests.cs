using System.Net.Http.Json;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>What an operator watching a migration sees: status figures and the Prometheus metrics.</summary>
public sealed class ObservabilityTests : IAsyncLifetime
{
    private readonly MigrationApi _api = new(new SqliteTestDatabases(), seedRows: 2_000);

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _api.DisposeAsync();

    [Fact]
    public async Task Metrics_AfterAFullRun_ExposeRowsInconsistenciesAndRepairs()
    {
        var ct = TestContext.Current.CancellationToken;
        _ = _api.Server;
        var larger = Math.Max(
            (await _api.Databases.ReadAllAsync(Migration.Domain.Direction.Src)).Count,
            (await _api.Databases.ReadAllAsync(Migration.Domain.Direction.Dst)).Count);
        await _api.CreateClient().PostAsync("/migrator/full/start", null, ct);
        var status = await _api.WaitForStatusAsync(s => s.Full?.Status == "completed" && MigrationApi.Drained(s));

        var metrics = await _api.CreateAnonymousClient().GetStringAsync("/metrics", ct);

        Assert.Equal(larger, status.Full!.EstimatedRows);
        // The meter is one per process: this host's series carry its instance id.
        Assert.Equal(status.Full.RowsChecked, DeadLetterTests.Counter(metrics, "migration_validation_rows_checked", _api.InstanceId, "kind=\"full\""));
        Assert.Equal(status.Full.Inconsistencies.TargetMissing,
            DeadLetterTests.Counter(metrics, "migration_validation_inconsistencies", _api.InstanceId, "kind=\"full\"", "type=\"target_missing\""));
        Assert.Equal(status.Repair.Upserted, DeadLetterTests.Counter(metrics, "migration_repair_rows_total", _api.InstanceId, "outcome=\"upserted\""));
        Assert.Contains("migration_events_pending", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_ValidationRetryingAFailingRead_CountTheRetriesUnderTheValidationPipeline()
    {
        var ct = TestContext.Current.CancellationToken;
        _ = _api.Server;
        // The target's users become a view whose rows cannot be read (abs of the smallest integer is an error in
        // SQLite), while its columns can: the run starts, and every read of a batch fails.
        await _api.Databases.ExecuteAsync(Migration.Domain.Direction.Dst, "ALTER TABLE users RENAME TO users_real");
        await _api.Databases.ExecuteAsync(Migration.Domain.Direction.Dst,
            "CREATE VIEW users AS SELECT id, name, email, age, balance, ctime, utime + abs(-9223372036854775807 - 1 + 0 * id) AS utime FROM users_real");

        await _api.CreateClient().PostAsync("/migrator/full/start", null, ct);
        var status = await _api.WaitForStatusAsync(s => s.Full?.Errors >= 3);
        var metrics = await _api.CreateAnonymousClient().GetStringAsync("/metrics", ct);
        await _api.CreateClient().PostAsync("/migrator/full/stop", null, ct);

        Assert.Equal("running", status.Full!.Status);
        Assert.Contains("integer overflow", status.Full.LastError, StringComparison.Ordinal);
        Assert.True(DeadLetterTests.Counter(metrics, "migration_retries_total", _api.InstanceId, "pipeline=\"validation\"") >= 3, metrics);
        Assert.True(DeadLetterTests.Counter(metrics, "resilience_polly_strategy_events_total", _api.InstanceId,
            "event_name=\"OnRetry\"", "pipeline_name=\"validation\"") >= 3, metrics);
    }

    [Fact]
    public async Task Status_IncrementalRun_ShowsCursorLag()
    {
        var ct = TestContext.Current.CancellationToken;
        await _api.CreateClient().PostAsJsonAsync("/migrator/incr/start", new { utime = 0, interval = 50 }, ct);
        var status = await _api.WaitForStatusAsync(s => s.Incremental!.CursorLagMs is not null);

        Assert.InRange(status.Incremental!.CursorLagMs!.Value, 0, 60 * 60 * 1000);
        Assert.Null(status.Incremental.EtaSeconds);
        await _api.CreateClient().PostAsync("/migrator/incr/stop", null, ct);
    }
}
