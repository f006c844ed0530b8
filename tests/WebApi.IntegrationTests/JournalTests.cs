using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Migration.Domain;
using Migration.Domain.Inconsistencies;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>
/// The write journal (docs/journal.md): writes through the pool that the version-column walk cannot see — a delete, a
/// write to a table without a version column — whose copy to the target was lost without a report, are found by a
/// running incremental run through the source's journal and repaired; a write that rolls back leaves no entry; the
/// journal is trimmed and shown. Each test fails with <c>Migration:Journal:Enabled=false</c>.
/// </summary>
public abstract class JournalTests
{
    /// <summary>Seeded rows 1..300 that are on both sides and equal (no planted drift).</summary>
    private const long Clean1 = 7, Clean3 = 9;

    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    protected abstract Task<TestDatabases> CreateDatabasesAsync();

    /// <summary>Raises an error on every insert into the source's journal: the next journalled write fails there.</summary>
    protected abstract string RefuseJournalInserts { get; }

    private async Task<MigrationApi> StartAsync(Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Migration:Pattern"] = "src_first",
            ["Migration:PatternRefreshMs"] = "200",
            ["Migration:Tables:0:Name"] = "users",
            ["Migration:Tables:0:VersionColumn"] = "utime",
            // No version column: an incremental run validates it through the journal only.
            ["Migration:Tables:1:Name"] = "order_lines",
            // A lost copy is reported within this long, or not at all (the report fails below).
            ["Migration:DoubleWrite:SecondaryTimeoutMs"] = "300",
            ["Migration:Validation:LateCommitWindowMs"] = "500",
            ["Migration:Journal:TrimIntervalMs"] = "100",
        };
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        var api = new MigrationApi(await CreateDatabasesAsync(), seedRows: 300, settings);
        _ = api.Server;
        return api;
    }

    private async Task StartIncrementalAsync(MigrationApi api)
    {
        var now = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
        var response = await api.CreateClient().PostAsJsonAsync("/migrator/incr/start", new { utime = now, interval = 50 }, _ct);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync(_ct));
        await api.WaitForStatusAsync(s => s.Incremental!.Tables.Count == 2 && s.Incremental.Tables.All(t => t.Status is "running" or "fullonly"));
    }

    /// <summary>
    /// Runs <paramref name="write"/> while the target's <paramref name="table"/> is gone and every publish fails: the
    /// copy fails and so does its report, as when the process dies between the primary's commit and the copy.
    /// </summary>
    private static async Task LoseTheCopyAsync(MigrationApi api, string table, Func<Task<HttpResponseMessage>> write, HttpStatusCode expected)
    {
        await api.Databases.ExecuteAsync(Direction.Dst, $"ALTER TABLE {table} RENAME TO {table}_away");
        api.Publisher.FailNext(int.MaxValue);
        var response = await write();
        Assert.True(response.StatusCode == expected, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(1, (await api.StatusAsync()).DoubleWrite!.ReportFailures);
        await api.Databases.ExecuteAsync(Direction.Dst, $"ALTER TABLE {table}_away RENAME TO {table}");
        api.Publisher.FailNext(0);
    }

    [Fact]
    public async Task IncrementalRun_DeleteThroughThePoolWhoseCopyWasLost_IsFoundInTheJournalAndDeletedOnTheTarget()
    {
        await using var api = await StartAsync();
        await StartIncrementalAsync(api);
        var client = api.CreateClient();

        await LoseTheCopyAsync(api, "users", () => client.DeleteAsync($"/api/users/{Clean3}", _ct), HttpStatusCode.NoContent);
        var lost = Stopwatch.StartNew();
        Assert.False((await api.Databases.ReadAllAsync(Direction.Src)).ContainsKey(Clean3));
        Assert.True((await api.Databases.ReadAllAsync(Direction.Dst)).ContainsKey(Clean3));

        await Eventually.HoldsAsync(async () => !(await api.Databases.ReadAllAsync(Direction.Dst)).ContainsKey(Clean3) && MigrationApi.Drained(await api.StatusAsync()),
            $"row {Clean3} deleted on the target");
        var delay = lost.Elapsed;

        var found = Assert.Single(api.Publisher.Published);
        Assert.Equal(("users", Clean3, Direction.Src, InconsistencyType.BaseMissing), (found.Table, found.Id, found.Direction, found.Type));
        TestContext.Current.TestOutputHelper?.WriteLine($"{GetType().Name}: lost delete repaired {delay.TotalMilliseconds:F0} ms after the write");
    }

    [Fact]
    public async Task IncrementalRun_WriteToATableWithoutVersionColumnWhoseCopyWasLost_IsFoundInTheJournalAndRepaired()
    {
        await using var api = await StartAsync();
        var client = api.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await client.PutAsJsonAsync("/api/orders/42/lines/1", new { sku = "SKU-1", qty = 3, price = 12.5m }, _ct)).StatusCode);
        await StartIncrementalAsync(api);

        await LoseTheCopyAsync(api, "order_lines",
            () => client.PutAsJsonAsync("/api/orders/42/lines/1", new { sku = "SKU-CHANGED", qty = 7, price = 1m }, _ct), HttpStatusCode.OK);
        var lost = Stopwatch.StartNew();
        Assert.Equal(1, await api.Databases.CountDifferencesAsync("order_lines", "order_id", "line_no"));

        await Eventually.HoldsAsync(async () => await api.Databases.CountDifferencesAsync("order_lines", "order_id", "line_no") == 0
                && MigrationApi.Drained(await api.StatusAsync()),
            "the line repaired on the target");
        var delay = lost.Elapsed;

        var found = Assert.Single(api.Publisher.Published);
        Assert.Equal(("order_lines", InconsistencyType.Neq), (found.Table, found.Type));
        Assert.Contains("sku=SKU-CHANGED", (await api.Databases.ReadAllByKeyAsync(Direction.Dst, "order_lines", "order_id", "line_no"))["42|1"], StringComparison.Ordinal);
        TestContext.Current.TestOutputHelper?.WriteLine($"{GetType().Name}: lost write to a table without version repaired {delay.TotalMilliseconds:F0} ms after the write");
    }

    [Fact]
    public async Task Write_JournalEntryRefused_TheWholeWriteRollsBackAndAWriteThatCommitsHasItsEntry()
    {
        await using var api = await StartAsync();
        var client = api.CreateClient();
        var before = await api.Databases.ReadAllAsync(Direction.Src);
        await api.Databases.ExecuteAsync(Direction.Src, RefuseJournalInserts);

        var refused = await client.PutAsJsonAsync($"/api/users/{Clean1}", new { name = "Never Written", email = "n@example.com", age = 42, balance = 1m }, _ct);

        // The entry is part of the primary's transaction: refusing it undoes the write itself.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(before, await api.Databases.ReadAllAsync(Direction.Src));
        Assert.Empty(await JournalAsync(api.Databases, Direction.Src));

        await api.Databases.ExecuteAsync(Direction.Src, "DROP TRIGGER refuse_journal");
        var written = await client.PutAsJsonAsync($"/api/users/{Clean1}", new { name = "Written", email = "w@example.com", age = 42, balance = 1m }, _ct);
        Assert.Equal(HttpStatusCode.OK, written.StatusCode);
        var deleted = await client.DeleteAsync($"/api/users/{Clean3}", _ct);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(["users|7|U|pool", "users|9|D|pool"], await JournalAsync(api.Databases, Direction.Src));
        Assert.Empty(await JournalAsync(api.Databases, Direction.Dst));
    }

    [Fact]
    public async Task Status_JournalWithAndWithoutARun_ShowsItsSizeAndAgeAndTheRunTrimsWhatItVerified()
    {
        await using var api = await StartAsync(new() { ["Migration:Journal:TrimGraceSeconds"] = "0" });
        var client = api.CreateClient();
        foreach (var id in new[] { 7L, 8L, 9L })
        {
            Assert.Equal(HttpStatusCode.OK,
                (await client.PutAsJsonAsync($"/api/users/{id}", new { name = $"Journal {id}", email = "j@example.com", age = 42, balance = 1m }, _ct)).StatusCode);
        }

        // No run: kept for the retention period, shown with its age.
        var status = await api.WaitForStatusAsync(s => s.Journal is { } j && j.Sides.Single(x => x.Side == "SRC").Rows == 3);
        var source = status.Journal!.Sides.Single(s => s.Side == "SRC");
        Assert.True(status.Journal.Enabled);
        Assert.InRange(source.OldestAgeMs!.Value, 0, 60_000);
        Assert.Null(source.OldestUnverifiedAgeMs);
        Assert.Equal(0, status.Journal.Sides.Single(s => s.Side == "DST").Rows);
        var metrics = await api.CreateAnonymousClient().GetStringAsync("/metrics", _ct);
        Assert.Equal(3, DeadLetterTests.Counter(metrics, "migration_journal_rows", api.InstanceId, "side=\"SRC\""));

        // A run from before the writes verifies them; then they are trimmed.
        var response = await client.PostAsJsonAsync("/migrator/incr/start", new { utime = 0, interval = 50 }, _ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var trimmed = await api.WaitForStatusAsync(s => s.Journal!.Sides.All(x => x.Rows == 0));
        Assert.Null(trimmed.Journal!.LagMs);
        await client.PostAsync("/migrator/incr/stop", null, _ct);
    }

    [Fact]
    public async Task Status_PolledWithinTheWorkersInterval_ShowsItsLastMeasurementInsteadOfCountingTheJournalAgain()
    {
        // The worker measures once at start, then every minute: status calls meanwhile must not count the journal.
        await using var api = await StartAsync(new() { ["Migration:Journal:TrimIntervalMs"] = "60000" });
        var first = await api.WaitForStatusAsync(s => s.Journal?.MeasuredAt is not null);
        var client = api.CreateClient();
        Assert.Equal(HttpStatusCode.OK,
            (await client.PutAsJsonAsync("/api/users/7", new { name = "Polled", email = "p@example.com", age = 42, balance = 1m }, _ct)).StatusCode);

        for (var i = 0; i < 3; i++)
        {
            var status = await api.StatusAsync();
            Assert.Equal(first.Journal!.MeasuredAt, status.Journal!.MeasuredAt);
            Assert.Equal(first.Journal.Sides.Single(s => s.Side == "SRC").Rows, status.Journal.Sides.Single(s => s.Side == "SRC").Rows);
        }
    }

    /// <summary>The journal's entries, oldest first, as <c>table|key|op|origin</c>.</summary>
    private static async Task<List<string>> JournalAsync(TestDatabases db, Direction side)
    {
        await using var connection = await db.OpenAsync(side);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT table_name, row_key, op, origin FROM migration_journal ORDER BY seq";
        var entries = new List<string>();
        await using DbDataReader reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            entries.Add(string.Join('|', Enumerable.Range(0, 4).Select(i => Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture))));
        }

        return entries;
    }
}

public sealed class SqliteJournalTests : JournalTests
{
    protected override Task<TestDatabases> CreateDatabasesAsync() => Task.FromResult<TestDatabases>(new SqliteTestDatabases());

    protected override string RefuseJournalInserts =>
        "CREATE TRIGGER refuse_journal BEFORE INSERT ON migration_journal BEGIN SELECT RAISE(ABORT, 'journal refused'); END";
}

public sealed class MariaDbJournalTests(MariaDbFixture mariaDb) : JournalTests
{
    protected override async Task<TestDatabases> CreateDatabasesAsync() =>
        await MariaDbTestDatabases.CreateAsync(await mariaDb.GetServerAsync());

    protected override string RefuseJournalInserts =>
        "CREATE TRIGGER refuse_journal BEFORE INSERT ON migration_journal FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'journal refused'";
}
