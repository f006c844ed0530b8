using System.Net;
using System.Net.Http.Json;
using Migration.Application.Validation;
using Migration.Domain;
using Migration.Domain.Inconsistencies;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>
/// The rolling sweep of incremental runs (docs/sweep.md), on MariaDB: it finds what the version walk cannot see — a
/// delete, a write that keeps the version, any write to a table without a version column — and hands it to the repair;
/// the status shows its passes and how long one takes; it keeps to its rate.
/// </summary>
public sealed class SweepTests(MariaDbFixture mariaDb)
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task IncrementalRun_RowDeletedOnTheTargetBySql_IsFoundBySweepAndRepaired()
    {
        await using var api = await StartAsync(
            "CREATE TABLE items (id BIGINT NOT NULL PRIMARY KEY, v VARCHAR(20) NOT NULL, utime BIGINT NOT NULL, KEY (utime, id))",
            "INSERT INTO items SELECT seq, CONCAT('v', seq), 1000 FROM seq_1_to_300",
            new() { ["Migration:Tables:0:Name"] = "items", ["Migration:Tables:0:VersionColumn"] = "utime" },
            new { utime = 0, interval = 50, sweepMaxRowsPerSecond = 5_000 });
        // The version walk has read every row: the delete below changes no version, so only the sweep can see it.
        await api.WaitForStatusAsync(s => Table(s, "items") is { RowsChecked: >= 300 });

        await api.Databases.ExecuteAsync(Direction.Dst, "DELETE FROM items WHERE id = 123");

        await api.WaitForStatusAsync(s => s.Incremental!.Inconsistencies.TargetMissing >= 1 && MigrationApi.Drained(s) && s.Repair.Upserted == 1);
        Assert.NotEmpty(api.Publisher.Published);
        // A pass shorter than the repair's round trip may report the row once more; the repair finds it done then.
        Assert.All(api.Publisher.Published, e => Assert.Equal(("123", InconsistencyType.TargetMissing), (e.Key.ToText(), e.Type)));
        Assert.Equal(0, await api.Databases.CountDifferencesAsync("items", "id"));
        await api.CreateClient().PostAsync("/migrator/incr/stop", null, _ct);
    }

    [Fact]
    public async Task IncrementalRun_TableWithoutVersionColumn_UpdateOnTheSourceIsFoundBySweepAndRepaired()
    {
        await using var api = await StartAsync(
            "CREATE TABLE plain (id INT NOT NULL PRIMARY KEY, v INT NOT NULL)",
            "INSERT INTO plain SELECT seq, seq FROM seq_1_to_200",
            new() { ["Migration:Tables:0"] = "plain" },
            new { utime = 0, interval = 50, sweepMaxRowsPerSecond = 5_000 });
        var swept = await api.WaitForStatusAsync(s => Table(s, "plain") is { Sweep.Passes: >= 1 });
        Assert.Equal("running", Table(swept, "plain")!.Status);
        Assert.True(Table(swept, "plain")!.Sweep!.Only);

        await api.Databases.ExecuteAsync(Direction.Src, "UPDATE plain SET v = -5 WHERE id = 77");

        await api.WaitForStatusAsync(s => s.Incremental!.Inconsistencies.Neq >= 1 && MigrationApi.Drained(s) && s.Repair.Upserted == 1);
        Assert.NotEmpty(api.Publisher.Published);
        Assert.All(api.Publisher.Published, e => Assert.Equal(("77", InconsistencyType.Neq, "v"), (e.Key.ToText(), e.Type, Assert.Single(e.Columns))));
        Assert.Equal(0, await api.Databases.CountDifferencesAsync("plain", "id"));
        await api.CreateClient().PostAsync("/migrator/incr/stop", null, _ct);
    }

    [Fact]
    public async Task Status_SweptTable_ShowsPassesAndTheEstimatedFullPassTime()
    {
        await using var api = await StartAsync(
            "CREATE TABLE items (id BIGINT NOT NULL PRIMARY KEY, v VARCHAR(20) NOT NULL, utime BIGINT NOT NULL, KEY (utime, id))",
            "INSERT INTO items SELECT seq, CONCAT('v', seq), 1000 FROM seq_1_to_1000",
            new() { ["Migration:Tables:0:Name"] = "items", ["Migration:Tables:0:VersionColumn"] = "utime" },
            new { utime = 0, interval = 50, sweepMaxRowsPerSecond = 2_000 });

        var status = await api.WaitForStatusAsync(s => Table(s, "items") is { Sweep.Passes: >= 2 });

        var sweep = Table(status, "items")!.Sweep!;
        Assert.Equal((false, 2_000L, 1_000L, 1_000L), (sweep.Only, sweep.MaxRowsPerSecond, sweep.LastPassRows, sweep.EstimatedRows));
        Assert.Equal(0.5, sweep.EstimatedFullPassSeconds); // 1,000 rows at 2,000 rows/s
        Assert.NotNull(sweep.LastPassSeconds);
        Assert.NotNull(sweep.LastPassCompletedAt);
        Assert.True(sweep.LastPassStartedAt <= sweep.LastPassCompletedAt);
        await api.CreateClient().PostAsync("/migrator/incr/stop", null, _ct);
    }

    [Fact]
    public async Task Sweep_WithARate_ReadsNoFasterThanIt()
    {
        const int rate = 1_000;
        await using var api = await StartAsync(
            "CREATE TABLE plain (id INT NOT NULL PRIMARY KEY, v INT NOT NULL)",
            "INSERT INTO plain SELECT seq, seq FROM seq_1_to_3000",
            new() { ["Migration:Tables:0"] = "plain", ["Migration:Validation:Sweep:MaxRowsPerSecond"] = $"{rate}" });

        // The second pass starts with the throttle's one-second burst spent by the first.
        var status = await api.WaitForStatusAsync(s => Table(s, "plain") is { Sweep.Passes: >= 2 }, seconds: 30);

        var sweep = Table(status, "plain")!.Sweep!;
        Assert.Equal(3_000, sweep.LastPassRows);
        var measured = sweep.LastPassRows / sweep.LastPassSeconds!.Value;
        TestContext.Current.SendDiagnosticMessage($"sweep at {rate} rows/s: last pass {sweep.LastPassRows} rows in {sweep.LastPassSeconds} s ({measured:F0} rows/s)");
        // At most a second's burst and one segment (about a second of rows) beyond the rate over a three-second pass.
        Assert.InRange(measured, 1, rate * 5.0 / 3);
        await api.CreateClient().PostAsync("/migrator/incr/stop", null, _ct);
    }

    [Fact]
    public async Task Sqlite_TableWithoutVersionColumn_RowMissingOnTheTargetIsFoundByRowSweepAndRepaired()
    {
        var databases = new SqliteTestDatabases();
        foreach (var side in new[] { Direction.Src, Direction.Dst })
        {
            await databases.ExecuteAsync(side, "CREATE TABLE plain (id INTEGER NOT NULL PRIMARY KEY, v TEXT NOT NULL)");
            await databases.ExecuteAsync(side, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 150) INSERT INTO plain SELECT i, 'v' || i FROM n");
        }

        await using var api = new MigrationApi(databases, settings: new Dictionary<string, string?>
        {
            ["Migration:Seed:Enabled"] = "false",
            ["Migration:Tables:0"] = "plain",
        });
        var response = await api.CreateClient().PostAsJsonAsync("/migrator/incr/start", new { utime = 0, interval = 50 }, _ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await api.WaitForStatusAsync(s => Table(s, "plain") is { Sweep.Passes: >= 1 });

        await databases.ExecuteAsync(Direction.Dst, "DELETE FROM plain WHERE id = 42");

        await api.WaitForStatusAsync(s => s.Incremental!.Inconsistencies.TargetMissing >= 1 && MigrationApi.Drained(s) && s.Repair.Upserted == 1);
        Assert.NotEmpty(api.Publisher.Published);
        Assert.All(api.Publisher.Published, e => Assert.Equal(("42", InconsistencyType.TargetMissing), (e.Key.ToText(), e.Type)));
        Assert.Equal(0, await databases.CountDifferencesAsync("plain", "id"));
        await api.CreateClient().PostAsync("/migrator/incr/stop", null, _ct);
    }

    [Fact]
    public async Task Sqlite_RestartAndResume_SweepGoesOnFromItsCheckpointedCursor()
    {
        var databases = new SqliteTestDatabases();
        foreach (var side in new[] { Direction.Src, Direction.Dst })
        {
            await databases.ExecuteAsync(side, "CREATE TABLE plain (id INTEGER NOT NULL PRIMARY KEY, v TEXT NOT NULL)");
            await databases.ExecuteAsync(side, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) INSERT INTO plain SELECT i, 'v' || i FROM n");
        }

        var settings = new Dictionary<string, string?>
        {
            ["Migration:Seed:Enabled"] = "false",
            ["Migration:Tables:0"] = "plain",
            ["Migration:Validation:BatchSize"] = "250",
        };
        SweepDto stopped;
        await using (var first = new MigrationApi(databases, settings: settings, ownsDatabases: false))
        {
            var response = await first.CreateClient().PostAsJsonAsync("/migrator/incr/start", new { utime = 0, interval = 50, sweepMaxRowsPerSecond = 500 }, _ct);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            await first.WaitForStatusAsync(s => Table(s, "plain") is { Sweep.RowsThisPass: >= 500 });
            Assert.Equal(HttpStatusCode.OK, (await first.CreateClient().PostAsync("/migrator/incr/stop", null, _ct)).StatusCode);
            stopped = Table(await first.StatusAsync(), "plain")!.Sweep!;
        }

        await using var second = new MigrationApi(databases, settings: settings);
        // The sweep's figures come back from the control database with the run.
        var loaded = Table(await second.StatusAsync(), "plain")!.Sweep!;
        Assert.Equal((stopped.Cursor, stopped.RowsThisPass, 500L), (loaded.Cursor, loaded.RowsThisPass, loaded.MaxRowsPerSecond));

        var resumed = await second.CreateClient().PostAsJsonAsync("/migrator/incr/start", new { resume = true, interval = 50 }, _ct);
        Assert.Equal(HttpStatusCode.Accepted, resumed.StatusCode);
        var done = await second.WaitForStatusAsync(s => Table(s, "plain") is { Sweep.Passes: >= 1 }, seconds: 30);

        // The pass went on from its cursor: its rows are the table's, counted once, not the table's plus the part before the stop.
        Assert.Equal(3_000, Table(done, "plain")!.Sweep!.LastPassRows);
        await second.CreateClient().PostAsync("/migrator/incr/stop", null, _ct);
    }

    [Fact]
    public async Task Cutover_TableOnlyTheSweepCompares_WaitsForAWholePassStartedAfterTheSwitch()
    {
        var databases = new SqliteTestDatabases();
        foreach (var side in new[] { Direction.Src, Direction.Dst })
        {
            await databases.ExecuteAsync(side, "CREATE TABLE plain (id INTEGER NOT NULL PRIMARY KEY, v TEXT NOT NULL)");
            await databases.ExecuteAsync(side, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) INSERT INTO plain SELECT i, 'v' || i FROM n");
        }

        await using var api = new MigrationApi(databases, settings: new Dictionary<string, string?>
        {
            ["Migration:Seed:Enabled"] = "false",
            ["Migration:Tables:0"] = "plain",
            ["Migration:Pattern"] = "src_first",
            ["Migration:Validation:CheckpointIntervalMs"] = "200",
        });
        await api.ProveCutoverAsync();
        var response = await api.CreateClient().PostAsJsonAsync("/migrator/incr/start", new { utime = 0, interval = 50, sweepMaxRowsPerSecond = 300 }, _ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        // Until its first pass is done, nothing has compared the table's rows since the full run.
        await Eventually.HoldsAsync(async () => (await CutoverAsync(api)).Reasons.Any(r => r.Contains("only by the incremental run's sweep", StringComparison.Ordinal)),
            "readiness waits for the sweep's pass");
        await Eventually.HoldsAsync(async () => (await CutoverAsync(api)).Ready, "ready once the pass is done", seconds: 30);
        Assert.True(Table(await api.StatusAsync(), "plain")!.Sweep!.Passes >= 1);
        await api.CreateClient().PostAsync("/migrator/incr/stop", null, _ct);
    }

    private async Task<Application.Patterns.Cutover.CutoverDto> CutoverAsync(MigrationApi api) =>
        (await api.CreateClient().GetFromJsonAsync<Application.Patterns.Cutover.CutoverDto>("/migrator/cutover", _ct))!;

    /// <summary>The table's part of the incremental run; null until the run has read the catalog.</summary>
    private static TableRunDto? Table(Application.Validation.GetStatus.MigrationStatusDto status, string table) =>
        status.Incremental?.Tables.SingleOrDefault(t => t.Table == table);

    /// <summary>Both sides with the same table and rows, the service over them, and an incremental run started with <paramref name="start"/>.</summary>
    private async Task<MigrationApi> StartAsync(string create, string insert, Dictionary<string, string?> settings, object? start = null)
    {
        var databases = await MariaDbTestDatabases.CreateAsync(await mariaDb.GetServerAsync());
        foreach (var side in new[] { Direction.Src, Direction.Dst })
        {
            await databases.ExecuteAsync(side, create);
            await databases.ExecuteAsync(side, insert);
        }

        settings["Migration:Seed:Enabled"] = "false";
        // With the write journal on (the default), Auto sweeps only tables without a version column: these tests sweep all.
        settings.TryAdd("Migration:Validation:Sweep:Mode", "Always");
        var api = new MigrationApi(databases, settings: settings);
        var response = await api.CreateClient().PostAsJsonAsync("/migrator/incr/start", start ?? new { utime = 0, interval = 50 }, _ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return api;
    }
}
