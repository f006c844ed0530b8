using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Migration.Application.Abstractions;
using Migration.Domain;
using Migration.Domain.Tables;
using Migration.Infrastructure.Validation;
using Migration.WebApi.IntegrationTests.Infrastructure;
using MySqlConnector;

namespace Migration.WebApi.IntegrationTests;

/// <summary>
/// A key that is not a single integer gets its checksum chunks by walking the base side's primary key, one segment at a
/// time. Each walk must read about the rows of its segment, whatever follows: a walk that numbered every remaining row
/// of the table (ROW_NUMBER() over the rest of it, for each segment) made a full run quadratic in the table's size —
/// 5 s for the first segment of a million-row table.
/// </summary>
public sealed class ChecksumChunkWalkTests(MariaDbFixture mariaDb)
{
    private const int Rows = 20_000;
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReadBoundaries_SegmentOfALargeTable_ReadsOnlyThatSegmentsRowsInCollationOrder()
    {
        var server = await mariaDb.GetServerAsync();
        var databases = await MariaDbTestDatabases.CreateAsync(server);
        foreach (var side in new[] { Direction.Src, Direction.Dst })
        {
            await databases.ExecuteAsync(side, "CREATE TABLE walk (code VARCHAR(20) COLLATE utf8mb4_general_ci NOT NULL PRIMARY KEY, n INT NOT NULL)");
        }

        // Odd rows upper case: under the case-insensitive collation the digits order the keys, not the case.
        await databases.ExecuteAsync(Direction.Src, $"INSERT INTO walk SELECT CONCAT(IF(seq % 2 = 1, 'K', 'k'), LPAD(seq, 6, '0')), seq FROM seq_1_to_{Rows}");
        await using var api = new MigrationApi(databases, settings: new Dictionary<string, string?>
        {
            ["Migration:Tables:0"] = "walk",
            ["Migration:Seed:Enabled"] = "false",
        });
        _ = api.Server;
        var table = (await api.Services.GetRequiredService<ITableCatalog>().ResolveAsync(_ct)).Find("walk")!;
        var reader = api.Services.GetRequiredService<RowReader>();
        await ExecuteAsync(server.ConnectionString, "SET GLOBAL userstat = 1");

        var before = await RowsReadAsync(databases);
        var first = await reader.ReadBoundariesAsync(table, Direction.Src, null, 100, 4, _ct);
        var read = await RowsReadAsync(databases) - before;
        var next = await reader.ReadBoundariesAsync(table, Direction.Src, first[^1], 100, 4, _ct);
        var last = await reader.ReadBoundariesAsync(table, Direction.Src, KeyOfRow(Rows - 150), 100, 4, _ct);

        Assert.Equal(["k000100", "k000200", "k000300", "k000400"], first.Select(k => (string)k.Values[0]!));
        Assert.Equal(["k000500", "k000600", "k000700", "k000800"], next.Select(k => (string)k.Values[0]!));
        Assert.Equal(["k019950"], last.Select(k => (string)k.Values[0]!));
        // 4 boundaries of 100 rows: about 400 rows, against the whole table's 20,000 and more for a numbered walk.
        Assert.InRange(read, 400, 1_000);
    }

    /// <summary>The key of row <paramref name="row"/> (1-based); only its value is bound, in a predicate the server orders.</summary>
    private static RowKey KeyOfRow(int row)
    {
        var code = string.Create(CultureInfo.InvariantCulture, $"{(row % 2 == 1 ? 'K' : 'k')}{row:D6}");
        return new RowKey(["code"], [code], [Encoding.UTF8.GetBytes(code)]);
    }

    private async Task<long> RowsReadAsync(MariaDbTestDatabases databases)
    {
        await using var connection = (MySqlConnection)await databases.OpenAsync(Direction.Src);
        await using var command = new MySqlCommand(
            "SELECT COALESCE(SUM(ROWS_READ), 0) FROM information_schema.TABLE_STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'walk'",
            connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(_ct), CultureInfo.InvariantCulture);
    }

    private async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync(_ct);
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(_ct);
    }
}
