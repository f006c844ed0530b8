using System.Data.Common;
using Migration.Domain;

namespace Migration.WebApi.IntegrationTests.Infrastructure;

/// <summary>A test's own connection in a transaction that holds locks on one side; disposing it rolls back and closes.</summary>
internal sealed class LockHolder(DbConnection connection) : IAsyncDisposable
{
    /// <summary>Runs <paramref name="sql"/>, which opens a transaction and takes its locks, and keeps the transaction open.</summary>
    public static async Task<LockHolder> BeginAsync(TestDatabases db, Direction side, string sql)
    {
        var connection = await db.OpenAsync(side);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
            }
        }

        return new LockHolder(connection);
    }

    /// <summary>MySQL: row locks on these ids of <c>users</c>, as a concurrent writer would hold them.</summary>
    public static Task<LockHolder> RowsAsync(TestDatabases db, Direction side, params long[] ids) =>
        BeginAsync(db, side, $"BEGIN; SELECT id FROM users WHERE id IN ({string.Join(", ", ids)}) FOR UPDATE");

    /// <summary>
    /// MySQL: locking reads (<c>FOR UPDATE</c>) other connections run on this database now. While this holds the rows
    /// they want, they are waiting for it.
    /// </summary>
    public async Task<long> LockingReadsAsync()
    {
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT COUNT(*) FROM information_schema.PROCESSLIST
            WHERE DB = DATABASE() AND ID <> CONNECTION_ID() AND INFO LIKE '%FOR UPDATE%'
            """;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "ROLLBACK";
            await command.ExecuteNonQueryAsync();
        }

        await connection.DisposeAsync();
    }
}
