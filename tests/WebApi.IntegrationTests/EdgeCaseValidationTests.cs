using System.Net;
using Migration.Application.Validation;
using Migration.Domain;
using Migration.Domain.Inconsistencies;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>
/// Values that naive comparisons get wrong: NULL against empty, case and trailing spaces that a case-insensitive
/// PAD SPACE collation calls equal, Unicode normalisation forms, DECIMAL scale, ids at the BIGINT limits, and rows
/// that swapped values, which an XOR of plain per-row CRCs over a chunk cannot see.
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
    ];

    /// <summary>The service on the edge table, with no seed, and the given full-run chunk and batch sizes.</summary>
    private static MigrationApi CreateApi(TestDatabases databases, int chunkRows, int batchSize) =>
        new(databases, settings: new Dictionary<string, string?>
        {
            ["Migration:Table"] = Table,
            ["Migration:Seed:Enabled"] = "false",
            ["Migration:Validation:ChunkRows"] = chunkRows.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Migration:Validation:BatchSize"] = batchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
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
        Assert.Equal(new HashSet<long> { 3, 4, 5, 6, 8, 1_000_000_000_000 }, api.Publisher.IdsOf(InconsistencyType.Neq));
        Assert.Equal(new HashSet<long> { long.MinValue + 1 }, api.Publisher.IdsOf(InconsistencyType.TargetMissing));
        Assert.Equal(new HashSet<long> { long.MaxValue - 1 }, api.Publisher.IdsOf(InconsistencyType.BaseMissing));
        Assert.Equal(new InconsistencyCountsDto(1, 6, 1), status.Full.Inconsistencies);
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
