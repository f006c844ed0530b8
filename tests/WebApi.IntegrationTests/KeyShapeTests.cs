using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Net.Http.Json;
using Migration.Application.Validation;
using Migration.Domain;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>
/// Any primary key and any table on MariaDB, through the API: composite keys, a text key under a case-insensitive
/// collation, CHAR(36) and BINARY(16) UUIDs, a DATETIME(3) version column, a table without one, a filter, an ignored
/// column, the comparison rules, and a three-table schema — each found, repaired, and equal on a second run, on both
/// full-run paths (chunk checksums, and rows).
/// </summary>
public sealed class KeyShapeTests(MariaDbFixture mariaDb)
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    private async Task<MigrationApi> StartAsync(string[] source, string[] target, Dictionary<string, string?> tables, int chunkRows = 1000)
    {
        var databases = await MariaDbTestDatabases.CreateAsync(await mariaDb.GetServerAsync());
        foreach (var sql in source)
        {
            await databases.ExecuteAsync(Direction.Src, sql);
        }

        foreach (var sql in target)
        {
            await databases.ExecuteAsync(Direction.Dst, sql);
        }

        var settings = new Dictionary<string, string?>
        {
            ["Migration:Seed:Enabled"] = "false",
            ["Migration:Validation:ChunkRows"] = chunkRows.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Migration:Validation:BatchSize"] = "3",
        };
        foreach (var (key, value) in tables)
        {
            settings[$"Migration:Tables:{key}"] = value;
        }

        return new MigrationApi(databases, settings: settings);
    }

    private static string[] Both(params string[] sql) => sql;

    private async Task<RunDto> RunFullAsync(MigrationApi api)
    {
        var previous = (await api.StatusAsync()).Full?.Id;
        var response = await api.CreateClient().PostAsync("/migrator/full/start", null, _ct);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync(_ct));
        var status = await api.WaitForStatusAsync(s => s.Full is { } f && f.Id != previous && f.Status is "completed" or "failed" && MigrationApi.Drained(s));
        Assert.Equal("completed", status.Full!.Status);
        return status.Full;
    }

    private static InconsistencyCountsDto CountsOf(RunDto run, string table) => run.Tables.Single(t => t.Table == table).Inconsistencies;

    [Theory]
    [InlineData(1000)]
    [InlineData(2)]
    [InlineData(0)]
    public async Task FullRun_ThreeTablesOfOtherShapes_FindRepairAndConverge(int chunkRows)
    {
        const string lines = "CREATE TABLE order_lines (order_id BIGINT NOT NULL, sku VARCHAR(20) NOT NULL, qty INT NOT NULL, PRIMARY KEY (order_id, sku))";
        const string uuids = "CREATE TABLE accounts (uuid CHAR(36) NOT NULL PRIMARY KEY, name VARCHAR(40) NULL, balance DECIMAL(12,2) NOT NULL)";
        const string binary = "CREATE TABLE blobs (id BINARY(16) NOT NULL PRIMARY KEY, payload VARBINARY(64) NULL)";
        await using var api = await StartAsync(
            Both(lines, uuids, binary,
                "INSERT INTO order_lines VALUES (1, 'a', 1), (1, 'b', 2), (1, 'c', 3), (2, 'a', 4), (2, 'z', 5), (3, 'x', 6), (3, 'y', 7)",
                "INSERT INTO accounts VALUES ('0b6f4b8e-3c1d-4a8e-9f57-2d1c0e4b7a91', 'a', 1), ('7e0a4c51-9d3b-4f62-8a1e-5c2b9f6d0e13', 'b', 2), ('ffffffff-0000-4000-8000-000000000001', NULL, 3)",
                "INSERT INTO blobs VALUES (UNHEX('00000000000000000000000000000001'), 0x01), (UNHEX('7F000000000000000000000000000000'), 0x02), (UNHEX('FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF'), NULL)"),
            Both(lines, uuids, binary,
                // (1,'b') changed, (2,'z') missing, (4,'q') extra
                "INSERT INTO order_lines VALUES (1, 'a', 1), (1, 'b', 20), (1, 'c', 3), (2, 'a', 4), (3, 'x', 6), (3, 'y', 7), (4, 'q', 9)",
                // the second missing, the third changed (NULL against ''), one extra
                "INSERT INTO accounts VALUES ('0b6f4b8e-3c1d-4a8e-9f57-2d1c0e4b7a91', 'a', 1), ('ffffffff-0000-4000-8000-000000000001', '', 3), ('aaaaaaaa-0000-4000-8000-000000000002', 'x', 9)",
                // the highest changed, the lowest missing
                "INSERT INTO blobs VALUES (UNHEX('7F000000000000000000000000000000'), 0x02), (UNHEX('FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF'), 0x00)"),
            new() { ["0"] = "order_lines", ["1"] = "accounts", ["2"] = "blobs" },
            chunkRows);

        var first = await RunFullAsync(api);

        Assert.Equal(new InconsistencyCountsDto(1, 1, 1), CountsOf(first, "order_lines"));
        Assert.Equal(new InconsistencyCountsDto(1, 1, 1), CountsOf(first, "accounts"));
        Assert.Equal(new InconsistencyCountsDto(1, 1, 0), CountsOf(first, "blobs"));
        Assert.All(first.Tables, t => Assert.Equal("completed", t.Status));
        Assert.Contains(api.Publisher.Published, e => e.Table == "order_lines" && e.Key.ToText() == "{\"order_id\":1,\"sku\":\"b\"}" && e.Columns.SequenceEqual(["qty"]));
        Assert.Equal(0, await api.Databases.CountDifferencesAsync("order_lines", "order_id", "sku"));
        Assert.Equal(0, await api.Databases.CountDifferencesAsync("accounts", "uuid"));
        Assert.Equal(0, await api.Databases.CountDifferencesAsync("blobs", "id"));

        var second = await RunFullAsync(api);
        Assert.Equal(new InconsistencyCountsDto(0, 0, 0), second.Inconsistencies);
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(0)]
    public async Task FullRun_TextKeyUnderACaseInsensitiveCollation_KeysDifferingOnlyByCaseAreTheSameRow(int chunkRows)
    {
        const string table = "CREATE TABLE tags (name VARCHAR(30) COLLATE utf8mb4_general_ci NOT NULL PRIMARY KEY, hits INT NOT NULL)";
        await using var api = await StartAsync(
            Both(table, "INSERT INTO tags VALUES ('apple', 1), ('Banana', 2), ('cherry', 3), ('Zed', 4), ('éclair', 5)"),
            Both(table, "INSERT INTO tags VALUES ('APPLE', 1), ('banana', 20), ('cherry', 3), ('zed', 4), ('ÉCLAIR', 5)"),
            new() { ["0"] = "tags" }, chunkRows);

        var run = await RunFullAsync(api);

        // Only Banana's hits differ: every other key is the same row to the server, whatever its case.
        Assert.Equal(new InconsistencyCountsDto(0, 1, 0), run.Inconsistencies);
        Assert.Equal("\"Banana\"", Assert.Single(api.Publisher.Published).Key.ToText());
    }

    [Fact]
    public async Task Runs_FilterIgnoredColumnAndRules_CompareOnlyWhatIsConfigured()
    {
        const string table = "CREATE TABLE readings (id BIGINT NOT NULL PRIMARY KEY, tenant INT NOT NULL, value DOUBLE NOT NULL, at DATETIME(3) NOT NULL, " +
            "doc TEXT NULL, label VARCHAR(20) NOT NULL, noise VARCHAR(20) NOT NULL)";
        await using var api = await StartAsync(
            Both(table, "INSERT INTO readings VALUES " +
                "(1, 7, 1.000, '2026-01-01 10:00:00.100', '{\"a\":1,\"b\":2}', 'x', 'n1'), " +
                "(2, 7, 2.000, '2026-01-01 10:00:00.000', NULL, 'y', 'n2'), " +
                "(3, 8, 3.000, '2026-01-01 10:00:00.000', NULL, 'z', 'n3'), " +
                "(4, 7, 4.000, '2026-01-01 10:00:00.000', NULL, 'w', 'n4')"),
            Both(table, "INSERT INTO readings VALUES " +
                // within the tolerance, the same second, the same JSON, trailing spaces only, another noise: all equal
                "(1, 7, 1.004, '2026-01-01 10:00:00.900', '{ \"b\": 2, \"a\": 1 }', 'x  ', 'other'), " +
                // beyond the tolerance
                "(2, 7, 2.020, '2026-01-01 10:00:00.000', NULL, 'y', 'n2'), " +
                // outside the filter: not compared
                "(3, 8, 99.0, '2030-01-01 00:00:00.000', NULL, 'changed', 'n3'), " +
                // another second
                "(4, 7, 4.000, '2026-01-01 10:00:01.000', NULL, 'w', 'n4')"),
            new()
            {
                ["0:Name"] = "readings",
                ["0:Where"] = "tenant = 7",
                ["0:IgnoreColumns:0"] = "noise",
                ["0:Compare:value:Tolerance"] = "0.01",
                ["0:Compare:at:Precision"] = "0",
                ["0:Compare:doc:Json"] = "true",
                ["0:Compare:label:TrimTrailing"] = "true",
            });

        var run = await RunFullAsync(api);

        Assert.Equal(new InconsistencyCountsDto(0, 2, 0), run.Inconsistencies);
        Assert.Equal(["2", "4"], api.Publisher.Published.Select(e => e.Key.ToText()).Order());
        Assert.Equal(["value"], api.Publisher.Published.Single(e => e.Key.ToText() == "2").Columns);
        Assert.Equal(["at"], api.Publisher.Published.Single(e => e.Key.ToText() == "4").Columns);
        Assert.Equal(3, run.RowsChecked);
    }

    [Fact]
    public async Task IncrementalRun_DateTimeVersionAndATableWithout_WalksTheOneAndReadsTheOtherThroughTheJournalAndTheSweep()
    {
        const string events = "CREATE TABLE events (id CHAR(36) NOT NULL PRIMARY KEY, body VARCHAR(50) NOT NULL, updated DATETIME(3) NOT NULL, KEY (updated, id))";
        const string plain = "CREATE TABLE plain (id INT NOT NULL PRIMARY KEY, v INT NOT NULL)";
        await using var api = await StartAsync(
            Both(events, plain, "INSERT INTO events VALUES ('11111111-0000-4000-8000-000000000001', 'old', '2026-01-01 00:00:00.000')", "INSERT INTO plain VALUES (1, 1)"),
            Both(events, plain, "INSERT INTO events VALUES ('11111111-0000-4000-8000-000000000001', 'old', '2026-01-01 00:00:00.000')", "INSERT INTO plain VALUES (1, 1)"),
            new() { ["0:Name"] = "events", ["0:VersionColumn"] = "updated", ["1"] = "plain" });
        var started = await api.CreateClient().PostAsJsonAsync("/migrator/incr/start", new { utime = 0, interval = 50 }, _ct);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var caughtUp = await api.WaitForStatusAsync(s => s.Incremental!.Tables.Count == 2 && s.Incremental.Tables.Single(t => t.Table == "events").RowsChecked > 0);
        // No version column: read through the write journal (docs/journal.md) and compared by the rolling sweep (docs/sweep.md).
        Assert.Equal(("running", true), (caughtUp.Incremental!.Tables.Single(t => t.Table == "plain").Status, caughtUp.Incremental.Tables.Single(t => t.Table == "plain").Sweep?.Only));

        // A write on the source after the cursor, with a millisecond version: detected and repaired.
        await api.Databases.ExecuteAsync(Direction.Src,
            "UPDATE events SET body = 'new', updated = UTC_TIMESTAMP(3) WHERE id = '11111111-0000-4000-8000-000000000001'");
        await api.WaitForStatusAsync(s => s.Incremental!.Inconsistencies.Neq == 1 && MigrationApi.Drained(s));
        Assert.Equal(0, await api.Databases.CountDifferencesAsync("events", "id"));
        Assert.Equal("\"11111111-0000-4000-8000-000000000001\"", Assert.Single(api.Publisher.Published).Key.ToText());
        await api.CreateClient().PostAsync("/migrator/incr/stop", null, _ct);
    }

    [Fact]
    public async Task KeysetPredicateOnACompositeKey_IsAnIndexRangeScan()
    {
        const string lines = "CREATE TABLE order_lines (order_id BIGINT NOT NULL, sku VARCHAR(20) NOT NULL, qty INT NOT NULL, PRIMARY KEY (order_id, sku))";
        await using var api = await StartAsync(
            Both(lines, "INSERT INTO order_lines SELECT seq, CONCAT('s', seq), 1 FROM seq_1_to_2000"), Both(lines), new() { ["0"] = "order_lines" });
        _ = api.Server;
        var table = (await api.Services.GetRequiredService<Application.Abstractions.ITableCatalog>().ResolveAsync(_ct)).Find("order_lines")!;
        await using var connection = await api.Databases.OpenAsync(Direction.Src);
        await using var command = connection.CreateCommand();
        var predicate = Migration.Infrastructure.Data.KeySql.After(table, Domain.Tables.RowKey.FromValues(table, [1000L, "s1000"]), "a", command);
        command.CommandText = $"EXPLAIN SELECT * FROM order_lines WHERE {predicate} ORDER BY order_id, sku LIMIT 100";

        await using var reader = await command.ExecuteReaderAsync(_ct);
        Assert.True(await reader.ReadAsync(_ct));
        Assert.Equal(("range", "PRIMARY"), (reader["type"], reader["key"]));
    }
}
