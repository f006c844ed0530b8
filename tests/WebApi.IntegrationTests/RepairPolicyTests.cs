using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Migration.Application.Conflicts.ListConflicts;
using Migration.Application.Validation;
using Migration.Domain;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>
/// The repair converges: with the base side winning, one validation + repair makes the sides equal whatever the other
/// side held (newer versions, swapped rows, NULL/''/0, trailing spaces, case, keys at the BIGINT limits), so a second
/// run finds nothing. A row the policy will not touch — written on the other side after the difference was confirmed,
/// or newer under newest-wins — is a stored, listed, counted conflict, and is left as it is.
/// </summary>
public abstract class RepairPolicyTests
{
    private const string Table = "conv";
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    protected abstract Task<TestDatabases> CreateDatabasesAsync();

    private static MigrationApi CreateApi(TestDatabases databases, int chunkRows, string policy = "BaseWins") =>
        new(databases, settings: new Dictionary<string, string?>
        {
            ["Migration:Table"] = Table,
            ["Migration:Seed:Enabled"] = "false",
            ["Migration:Validation:ChunkRows"] = chunkRows.ToString(CultureInfo.InvariantCulture),
            ["Migration:Validation:BatchSize"] = "4",
            ["Migration:Repair:Policy"] = policy,
        });

    private static async Task CreateTablesAsync(TestDatabases databases, string[] source, string[] target)
    {
        foreach (var (side, rows) in new[] { (Direction.Src, source), (Direction.Dst, target) })
        {
            await databases.ExecuteAsync(side,
                $"CREATE TABLE {Table} (id BIGINT NOT NULL PRIMARY KEY, txt VARCHAR(50) NULL, amount DECIMAL(12,2) NULL, utime BIGINT NOT NULL)");
            await databases.ExecuteAsync(side, $"INSERT INTO {Table} (id, txt, amount, utime) VALUES {string.Join(", ", rows)}");
        }
    }

    private async Task<RunDto> RunFullAsync(MigrationApi api)
    {
        var previous = (await api.StatusAsync()).Full?.Id;
        var response = await api.CreateClient().PostAsync("/migrator/full/start", null, _ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var status = await api.WaitForStatusAsync(s => s.Full is { } f && f.Id != previous && f.Status is "completed" or "failed" && MigrationApi.Drained(s));
        Assert.Equal("completed", status.Full!.Status);
        return status.Full;
    }

    private async Task<ConflictPageDto> ConflictsAsync(MigrationApi api, string status = "open") =>
        (await api.CreateClient().GetFromJsonAsync<ConflictPageDto>($"/migrator/conflicts?status={status}", _ct))!;

    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    public async Task FullRun_OtherSideNewerSwappedAndEdgeValues_ConvergeInOneRepair(int chunkRows)
    {
        var databases = await CreateDatabasesAsync();
        await using var api = CreateApi(databases, chunkRows);
        var min = long.MinValue.ToString(CultureInfo.InvariantCulture);
        var max = long.MaxValue.ToString(CultureInfo.InvariantCulture);
        // Every target version below is newer than the source's but older than the run: written before the difference
        // was confirmed, so the base wins. Rows 1 and 2 swapped on the target, 2 with a newer version.
        await CreateTablesAsync(databases,
        [
            $"({min}, 'min', 1, 100)", "(1, 'first', 7, 100)", "(2, 'second', 8, 100)", "(3, NULL, 1, 100)", "(4, 'x', 0, 100)",
            "(5, 'a', 1, 100)", "(7, 'kept', 5, 100)", $"({max}, 'max', 1, 100)",
        ],
        [
            $"({min}, 'MIN', 1, 200)", "(1, 'second', 8, 100)", "(2, 'first', 7, 300)", "(3, '', 1, 100)", "(4, 'x', NULL, 100)",
            "(5, 'a ', 1, 100)", "(6, 'only target, newer', 1, 900)", "(7, 'newer on target', 6, 500)",
        ]);

        var first = await RunFullAsync(api);
        Assert.Equal(new InconsistencyCountsDto(1, 7, 1), first.Inconsistencies);
        var status = await api.StatusAsync();
        Assert.Equal((8L, 1L, 0L), (status.Repair.Upserted, status.Repair.Deleted, status.Repair.Conflicts));

        var drift = await databases.DiffAsync(Table);
        Assert.Equal(0, drift.Total);
        var second = await RunFullAsync(api);
        Assert.Equal(new InconsistencyCountsDto(0, 0, 0), second.Inconsistencies);
        Assert.Equal(0, (await ConflictsAsync(api)).Open);
    }

    [Fact]
    public async Task Repair_RowsWrittenOnTheOtherSideAfterConfirmation_AreStoredConflictsAndLeftAlone()
    {
        var databases = await CreateDatabasesAsync();
        await using var api = CreateApi(databases, chunkRows: 0);
        // Rows 10 (different) and 11 (only on the target) carry versions an hour ahead: as if written on the target after
        // the run confirmed them. Neither may be overwritten nor deleted; row 12 is an ordinary difference.
        var later = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds();
        await CreateTablesAsync(databases,
            ["(10, 'base', 1, 100)", "(12, 'base', 1, 100)"],
            [$"(10, 'written later', 2, {later})", $"(11, 'created later', 1, {later})", "(12, 'old', 1, 100)"]);

        await RunFullAsync(api);

        var status = await api.StatusAsync();
        Assert.Equal((1L, 0L, 2L, 2L), (status.Repair.Upserted, status.Repair.Deleted, status.Repair.Conflicts, status.OpenConflicts));
        var conflicts = await ConflictsAsync(api);
        Assert.Equal(2, conflicts.Open);
        Assert.Equal(["10", "11"], conflicts.Items.Select(c => c.Key).Order().ToArray());
        var row10 = conflicts.Items.Single(c => c.Key == "10");
        Assert.Equal((Table, "SRC", 100L, later, true), (row10.Table, row10.BaseSide, row10.BaseVersion, row10.OtherVersion, row10.Open));
        Assert.Contains("after the difference was confirmed", row10.Reason, StringComparison.Ordinal);
        Assert.Null(conflicts.Items.Single(c => c.Key == "11").BaseVersion);
        var target = await databases.ReadAllAsync(Direction.Dst, Table);
        Assert.Contains("txt=written later", target[10], StringComparison.Ordinal);
        Assert.True(target.ContainsKey(11));

        // Once those writes are older than a confirmation, a full run finds them again and the base wins; the old conflicts close.
        await databases.ExecuteAsync(Direction.Dst, $"UPDATE {Table} SET utime = 150 WHERE id IN (10, 11)");
        await RunFullAsync(api);
        Assert.Equal(0, (await databases.DiffAsync(Table)).Total);
        Assert.Equal(0, (await ConflictsAsync(api)).Open);
        var closed = await ConflictsAsync(api, "all");
        Assert.All(closed.Items, c => Assert.False(c.Open));
        Assert.All(closed.Items, c => Assert.StartsWith("superseded by full run", c.Resolution, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Repair_NewestWins_KeepsTheNewerSideAndListsTheRest()
    {
        var databases = await CreateDatabasesAsync();
        await using var api = CreateApi(databases, chunkRows: 0, policy: "NewestWins");
        await CreateTablesAsync(databases,
            ["(1, 'base newer', 1, 200)", "(2, 'base older', 1, 100)"],
            ["(1, 'target older', 1, 100)", "(2, 'target newer', 1, 200)"]);

        await RunFullAsync(api);

        var target = await databases.ReadAllAsync(Direction.Dst, Table);
        Assert.Contains("txt=base newer", target[1], StringComparison.Ordinal);
        Assert.Contains("txt=target newer", target[2], StringComparison.Ordinal);
        var conflict = Assert.Single((await ConflictsAsync(api)).Items);
        Assert.Equal(("2", 100L, 200L), (conflict.Key, conflict.BaseVersion, conflict.OtherVersion));
        Assert.Contains("newest wins", conflict.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("status=closed", "status")]
    [InlineData("limit=0", "limit")]
    [InlineData("before=-1", "before")]
    public async Task ListConflicts_BadParameter_Is400NamingIt(string query, string field)
    {
        var databases = await CreateDatabasesAsync();
        await using var api = CreateApi(databases, chunkRows: 0);
        // The service refuses to start without the migrated table.
        await CreateTablesAsync(databases, ["(1, 'a', 1, 100)"], ["(1, 'a', 1, 100)"]);
        var response = await api.CreateClient().GetAsync($"/migrator/conflicts?{query}", _ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"\"{field}\"", await response.Content.ReadAsStringAsync(_ct), StringComparison.Ordinal);
    }
}

public sealed class SqliteRepairPolicyTests : RepairPolicyTests
{
    protected override Task<TestDatabases> CreateDatabasesAsync() => Task.FromResult<TestDatabases>(new SqliteTestDatabases());
}

public sealed class MariaDbRepairPolicyTests(MariaDbFixture mariaDb) : RepairPolicyTests
{
    protected override async Task<TestDatabases> CreateDatabasesAsync() =>
        await MariaDbTestDatabases.CreateAsync(await mariaDb.GetServerAsync());
}
