using System.Net;
using System.Net.Http.Json;
using Migration.Application.Validation;
using Migration.Domain;
using Migration.Domain.Inconsistencies;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>
/// Values that naive comparisons get wrong: NULL against empty, case and trailing spaces that a case-insensitive
/// PAD SPACE collation calls equal, Unicode normalisation forms, DECIMAL scale, ids at the BIGINT limits (the smallest
/// one included, which a cursor that starts "after the smallest id" never reads), and rows that swapped values, which an
/// XOR of plain per-row CRCs over a chunk cannot see.
/// Both full-run paths (chunk checksums, and whole rows) must report exactly the same differences.
/// </summary>
public abstract class EdgeCaseValidationTests
{
    private const string Table = "edge";

    protected abstract Task<TestDatabases> CreateDatabasesAsync();

    private static readonly (long Id, string? SourceText, string? SourceAmount, string? TargetText, string? TargetAmount)[] _rows =
    [
        (1, "'abc'", "1.10", "'abc'", "1.1"),          // same DECIMAL value written with another scale: equal
        (2, "'abc'", "NULL", "'abc'", "NULL"),         // NULL on both sides: equal
        (3, "NULL", "1", "''", "1"),                   // NULL against empty string
        (4, "'abc'", "1", "'ABC'", "1"),               // case only
        (5, "'a'", "1", "'a '", "1"),                  // trailing space only
        (6, "'\u00e9'", "1", "'e\u0301'", "1"),        // é precomposed against e + combining accent
        (7, "'日本語 ✓'", "1", "'日本語 ✓'", "1"),       // multi-byte text: equal
        (8, "'x'", "NULL", "'x'", "0"),                // NULL against zero
        (1_000_000_000_000, "'big'", "5.00", "'big'", "5.01"),
        (long.MaxValue, "'max'", "1", "'max'", "1"),   // equal at the upper limit
        (long.MaxValue - 1, null, null, "'only target'", "1"),
        (long.MinValue + 1, "'only source'", "1", null, null),
        (long.MinValue, "'min'", "1", "'min'", "2"),   // differs at the lower limit
    ];

    /// <summary>The service on the edge table, with no seed, and the given full-run chunk and batch sizes.</summary>
    private static MigrationApi CreateApi(TestDatabases databases, int chunkRows, int batchSize) =>
        new(databases, settings: new Dictionary<string, string?>
        {
            ["Migration:Table"] = Table,
            ["Migration:Seed:Enabled"] = "false",
            ["Migration:Validation:ChunkRows"] = chunkRows.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Migration:Validation:BatchSize"] = batchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // The incremental edge cases are the version walk's: the rolling sweep would also report rows before utime.
            ["Migration:Validation:Sweep:Mode"] = "Off",
        });

    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    [InlineData(2)]
    public async Task FullRun_EdgeValues_ReportsExactlyTheRealDifferences(int chunkRows)
    {
        var databases = await CreateDatabasesAsync();
        await using var api = CreateApi(databases, chunkRows, batchSize: 3);

        // The tables exist before the service starts (on first use of the client), so it creates no schema of its own.
        foreach (var side in new[] { Direction.Src, Direction.Dst })
        {
            await databases.ExecuteAsync(side, $"CREATE TABLE {Table} (id BIGINT NOT NULL PRIMARY KEY, txt VARCHAR(50) NULL, amount DECIMAL(12,2) NULL, utime BIGINT NOT NULL)");
            foreach (var row in _rows)
            {
                var (text, amount) = side == Direction.Src ? (row.SourceText, row.SourceAmount) : (row.TargetText, row.TargetAmount);
                if (text is not null)
                {
                    await databases.ExecuteAsync(side, $"INSERT INTO {Table} (id, txt, amount, utime) VALUES ({row.Id}, {text}, {amount}, 1)");
                }
            }
        }

        var response = await api.CreateClient().PostAsync("/migrator/full/start", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var status = await api.WaitForStatusAsync(s => s.Full?.Status is "completed" or "failed" && MigrationApi.Drained(s));

        Assert.Equal("completed", status.Full!.Status);
        Assert.Equal(new HashSet<long> { 3, 4, 5, 6, 8, 1_000_000_000_000, long.MinValue }, api.Publisher.IdsOf(InconsistencyType.Neq));
        Assert.Equal(new HashSet<long> { long.MinValue + 1 }, api.Publisher.IdsOf(InconsistencyType.TargetMissing));
        Assert.Equal(new HashSet<long> { long.MaxValue - 1 }, api.Publisher.IdsOf(InconsistencyType.BaseMissing));
        Assert.Equal(new InconsistencyCountsDto(1, 7, 1), status.Full.Inconsistencies);
        Assert.Equal(_rows.Length, status.Full.RowsChecked);
        Assert.Equal(["amount"], api.Publisher.Published.Single(e => e.Id == 8).Columns);
        Assert.Equal(["txt"], api.Publisher.Published.Single(e => e.Id == 5).Columns);

        // The repair made the sides equal: a second run finds nothing.
        var first = status.Full.Id;
        await api.CreateClient().PostAsync("/migrator/full/start", null, TestContext.Current.CancellationToken);
        var second = await api.WaitForStatusAsync(s => s.Full!.Id != first && s.Full.Status == "completed");
        Assert.Equal(new InconsistencyCountsDto(0, 0, 0), second.Full!.Inconsistencies);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    public async Task FullRun_RowsThatSwappedValues_AreReported(int chunkRows)
    {
        var databases = await CreateDatabasesAsync();
        await using var api = CreateApi(databases, chunkRows, batchSize: 1000);

        // One chunk holds every row, and only the swaps differ: 1 and 2 exchanged whole, 3 and 4 exchanged amounts
        // (the same bytes changed the same way in both rows, so the XOR of their CRC32s does not change).
        string[] source = ["(1, 'first', 7, 1)", "(2, 'other', 8, 1)", "(3, 'same', 20, 1)", "(4, 'same', 21, 1)", "(5, 'kept', 1, 1)"];
        string[] target = ["(1, 'other', 8, 1)", "(2, 'first', 7, 1)", "(3, 'same', 21, 1)", "(4, 'same', 20, 1)", "(5, 'kept', 1, 1)"];
        foreach (var (side, rows) in new[] { (Direction.Src, source), (Direction.Dst, target) })
        {
            await databases.ExecuteAsync(side, $"CREATE TABLE {Table} (id BIGINT NOT NULL PRIMARY KEY, txt VARCHAR(50) NULL, amount DECIMAL(12,2) NULL, utime BIGINT NOT NULL)");
            await databases.ExecuteAsync(side, $"INSERT INTO {Table} (id, txt, amount, utime) VALUES {string.Join(", ", rows)}");
        }

        var response = await api.CreateClient().PostAsync("/migrator/full/start", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var status = await api.WaitForStatusAsync(s => s.Full?.Status is "completed" or "failed" && MigrationApi.Drained(s));

        Assert.Equal("completed", status.Full!.Status);
        Assert.Equal(new HashSet<long> { 1, 2, 3, 4 }, api.Publisher.IdsOf(InconsistencyType.Neq));
        Assert.Equal(new InconsistencyCountsDto(0, 4, 0), status.Full.Inconsistencies);
    }

    [Fact]
    public async Task IncrRun_RowsAtTheSmallestIdAndTheStartUtime_AreReported()
    {
        const long From = 1_700_000_000_000;
        var databases = await CreateDatabasesAsync();
        await using var api = CreateApi(databases, chunkRows: 0, batchSize: 2);

        // Every row differs; the one before the start utime is not the run's to check. The row at the smallest id and
        // exactly the start utime comes first in (utime, id) order: a walk that starts after (utime, smallest id) misses it.
        (long Id, long Utime)[] rows = [(long.MinValue, From), (long.MinValue + 1, From), (7, From), (8, From + 1), (9, From - 1)];
        foreach (var side in new[] { Direction.Src, Direction.Dst })
        {
            await databases.ExecuteAsync(side, $"CREATE TABLE {Table} (id BIGINT NOT NULL PRIMARY KEY, txt VARCHAR(50) NULL, amount DECIMAL(12,2) NULL, utime BIGINT NOT NULL)");
            await databases.ExecuteAsync(side, $"INSERT INTO {Table} (id, txt, amount, utime) VALUES {string.Join(", ", rows.Select(r => $"({r.Id}, '{side.ToWire()}', 1, {r.Utime})"))}");
        }

        var response = await api.CreateClient().PostAsJsonAsync("/migrator/incr/start", new { utime = From, interval = 20 }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await api.WaitForStatusAsync(s => s.Incremental!.EventsPublished >= 4 && s.Incremental.SuspectsPending == 0 && MigrationApi.Drained(s));

        Assert.Equal(new HashSet<long> { long.MinValue, long.MinValue + 1, 7, 8 }, api.Publisher.IdsOf(InconsistencyType.Neq));
    }

    [Fact]
    public async Task FullRun_StoppedWhileTheSmallestIdWaitsToBeReported_ResumesAndReportsIt()
    {
        var databases = await CreateDatabasesAsync();
        await using var api = CreateApi(databases, chunkRows: 0, batchSize: 3);
        foreach (var side in new[] { Direction.Src, Direction.Dst })
        {
            await databases.ExecuteAsync(side, $"CREATE TABLE {Table} (id BIGINT NOT NULL PRIMARY KEY, txt VARCHAR(50) NULL, amount DECIMAL(12,2) NULL, utime BIGINT NOT NULL)");
            var rows = Enumerable.Range(1, 20).Select(i => $"({i}, 'same', 1, 1)").Prepend($"({long.MinValue}, '{side.ToWire()}', 1, 1)");
            await databases.ExecuteAsync(side, $"INSERT INTO {Table} (id, txt, amount, utime) VALUES {string.Join(", ", rows)}");
        }

        // The event path stalls: the difference at the smallest id is found but never reported, and the run is stopped.
        api.Publisher.HoldAfter(0);
        var client = api.CreateClient();
        var started = (await (await client.PostAsync("/migrator/full/start", null, TestContext.Current.CancellationToken)).Content
            .ReadFromJsonAsync<RunDto>(TestContext.Current.CancellationToken))!;
        await api.WaitForStatusAsync(s => s.Full!.SuspectsPending > 0 && Volatile.Read(ref api.Publisher.Held) > 0);
        var stopped = (await (await client.PostAsync("/migrator/full/stop", null, TestContext.Current.CancellationToken)).Content
            .ReadFromJsonAsync<StopResultDto>(TestContext.Current.CancellationToken))!;
        Assert.Equal(("stopped", started.Id), (stopped.Run!.Status, stopped.Run.Id));
        Assert.Empty(api.Publisher.Published);

        // Its checkpoint is before every id, so the resumed run reads the smallest one again and reports it.
        api.Publisher.HoldAfter(int.MaxValue);
        var resumed = await client.PostAsJsonAsync("/migrator/full/start", new { resume = true }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, resumed.StatusCode);
        var final = await api.WaitForStatusAsync(s => s.Full!.Status == "completed" && MigrationApi.Drained(s));
        Assert.Equal(started.Id, final.Full!.Id);
        Assert.Equal(new HashSet<long> { long.MinValue }, api.Publisher.IdsOf(InconsistencyType.Neq));
    }
}

public sealed class SqliteEdgeCaseValidationTests : EdgeCaseValidationTests
{
    protected override Task<TestDatabases> CreateDatabasesAsync() => Task.FromResult<TestDatabases>(new SqliteTestDatabases());
}

public sealed class MariaDbEdgeCaseValidationTests(MariaDbFixture mariaDb) : EdgeCaseValidationTests
{
    protected override async Task<TestDatabases> CreateDatabasesAsync() =>
        await MariaDbTestDatabases.CreateAsync(await mariaDb.GetServerAsync());
}
