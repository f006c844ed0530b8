using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Migration.Domain;

namespace Migration.WebApi.IntegrationTests.Infrastructure;

/// <summary>A fresh, empty source and target for one test, on one provider.</summary>
public abstract class TestDatabases : IAsyncDisposable
{
    /// <summary>The value of <c>Migration:*:Provider</c>.</summary>
    public abstract string Provider { get; }

    /// <summary>Where the service keeps its own files (the SQLite sides live there too).</summary>
    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("migration-test-").FullName;

    public abstract string ConnectionString(Direction side);

    public abstract Task<DbConnection> OpenAsync(Direction side);

    public async Task<int> ExecuteAsync(Direction side, string sql)
    {
        await using var connection = await OpenAsync(side);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteNonQueryAsync();
    }

    /// <summary>Every row of the table by id, each value as invariant text: the test's own view of the data.</summary>
    public async Task<Dictionary<long, string>> ReadAllAsync(Direction side, string table = "users")
    {
        await using var connection = await OpenAsync(side);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT * FROM {table}";
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new Dictionary<long, string>();
        while (await reader.ReadAsync())
        {
            var values = Enumerable.Range(0, reader.FieldCount)
                .OrderBy(reader.GetName, StringComparer.Ordinal)
                .Select(i => $"{reader.GetName(i)}={Normalize(reader.GetValue(i))}");
            rows[Convert.ToInt64(reader["id"], CultureInfo.InvariantCulture)] = string.Join("|", values);
        }

        return rows;
    }

    /// <summary>
    /// The differences between the sides as the test itself sees them — its own oracle, independent of the
    /// validator — and how many distinct ids there are in all.
    /// </summary>
    public async Task<Drift> DiffAsync(string table = "users")
    {
        var source = await ReadAllAsync(Direction.Src, table);
        var target = await ReadAllAsync(Direction.Dst, table);
        return new Drift(
            source.Keys.Where(id => !target.ContainsKey(id)).ToHashSet(),
            source.Keys.Where(id => target.TryGetValue(id, out var t) && t != source[id]).ToHashSet(),
            target.Keys.Where(id => !source.ContainsKey(id)).ToHashSet(),
            source.Keys.Union(target.Keys).LongCount());
    }

    /// <summary>Every row of any table by its key columns' values, each value as invariant text.</summary>
    public async Task<Dictionary<string, string>> ReadAllByKeyAsync(Direction side, string table, params string[] keyColumns)
    {
        await using var connection = await OpenAsync(side);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT * FROM {table}";
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new Dictionary<string, string>();
        while (await reader.ReadAsync())
        {
            var values = Enumerable.Range(0, reader.FieldCount)
                .OrderBy(reader.GetName, StringComparer.Ordinal)
                .Select(i => $"{reader.GetName(i)}={Normalize(reader.GetValue(i))}");
            rows[string.Join("|", keyColumns.Select(k => Normalize(reader[k])))] = string.Join("|", values);
        }

        return rows;
    }

    /// <summary>How many keys of any table differ between the sides (missing on one, or any value different): the test's own oracle.</summary>
    public async Task<int> CountDifferencesAsync(string table, params string[] keyColumns)
    {
        var source = await ReadAllByKeyAsync(Direction.Src, table, keyColumns);
        var target = await ReadAllByKeyAsync(Direction.Dst, table, keyColumns);
        return source.Keys.Union(target.Keys).Count(k => !source.TryGetValue(k, out var s) || !target.TryGetValue(k, out var t) || s != t);
    }

    private static string Normalize(object value) => value switch
    {
        DBNull => "NULL",
        decimal d => d.ToString("0.00", CultureInfo.InvariantCulture),
        string s when decimal.TryParse(s, NumberStyles.Number, CultureInfo.InvariantCulture, out var d) && s.Contains('.', StringComparison.Ordinal)
            => d.ToString("0.00", CultureInfo.InvariantCulture),
        byte[] bytes => "0x" + Convert.ToHexString(bytes),
        DateTime d => d.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    public virtual ValueTask DisposeAsync()
    {
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a pooled connection; the temp folder is cleaned by the OS.
        }

        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}

public sealed class SqliteTestDatabases : TestDatabases
{
    public override string Provider => "Sqlite";

    public override string ConnectionString(Direction side) =>
        $"Data Source={Path.Combine(DataDirectory, side == Direction.Src ? "source.db" : "target.db")}";

    /// <summary>The service's control database on the embedded default: <c>control.db</c> beside the sides.</summary>
    public string ControlConnectionString => $"Data Source={Path.Combine(DataDirectory, "control.db")}";

    public override async Task<DbConnection> OpenAsync(Direction side)
    {
        var connection = new SqliteConnection(ConnectionString(side));
        await connection.OpenAsync();
        return connection;
    }

    public override ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        return base.DisposeAsync();
    }
}

/// <summary>Ids that differ between the sides, by the type validation should report, and the distinct ids in all.</summary>
public sealed record Drift(HashSet<long> TargetMissing, HashSet<long> Neq, HashSet<long> BaseMissing, long Ids)
{
    public int Total => TargetMissing.Count + Neq.Count + BaseMissing.Count;
}
