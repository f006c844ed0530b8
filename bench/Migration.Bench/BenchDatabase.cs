using System.Globalization;
using MySqlConnector;

namespace Migration.Bench;

/// <summary>The ids planted as differences, by the type validation should report.</summary>
internal sealed record PlantedDrift(HashSet<long> TargetMissing, HashSet<long> Neq, HashSet<long> BaseMissing);

/// <summary>Creates the source and target <c>users</c> tables on one server and plants the drift.</summary>
internal static class BenchDatabase
{
    public const string SourceDatabase = "bench_src";
    public const string TargetDatabase = "bench_dst";

    public static string For(string serverConnectionString, string database) =>
        new MySqlConnectionStringBuilder(serverConnectionString) { Database = database }.ConnectionString;

    public static async Task CreateAsync(string server, int rows)
    {
        await using var connection = new MySqlConnection(server);
        await connection.OpenAsync();
        foreach (var db in new[] { SourceDatabase, TargetDatabase })
        {
            await ExecuteAsync(connection, $"DROP DATABASE IF EXISTS {db}; CREATE DATABASE {db};");
            await ExecuteAsync(connection, $"""
                CREATE TABLE {db}.users (
                  id BIGINT NOT NULL PRIMARY KEY,
                  name VARCHAR(100) NOT NULL,
                  email VARCHAR(200) NOT NULL,
                  age INT NOT NULL,
                  balance DECIMAL(12,2) NOT NULL,
                  ctime BIGINT NOT NULL,
                  utime BIGINT NOT NULL,
                  KEY ix_users_utime_id (utime, id)
                ) ENGINE=InnoDB
                """);
        }

        // MariaDB's SEQUENCE engine generates the rows on the server: far faster than sending them.
        await ExecuteAsync(connection, $"""
            USE {SourceDatabase};
            INSERT INTO users
            SELECT seq, CONCAT('User ', seq), CONCAT('user', seq, '@example.com'), 18 + seq % 60,
                   (seq * 7919 % 1000000) / 100, 1700000000000 + seq, 1700000000000 + seq
            FROM seq_1_to_{rows.ToString(CultureInfo.InvariantCulture)};
            INSERT INTO {TargetDatabase}.users SELECT * FROM {SourceDatabase}.users;
            """);
    }

    /// <summary>Plants the drift: rows deleted from the target, changed in the target, deleted from the source.</summary>
    public static async Task<PlantedDrift> PlantAsync(string server, BenchOptions options)
    {
        var total = Math.Max(1, options.Missing + options.Changed + options.Extra);
        var ids = options.Clustered
            ? Enumerable.Range(0, total).Select(i => (long)(options.Rows / 4) + i).ToArray()
            : Enumerable.Range(0, total).Select(i => 1 + (long)i * (options.Rows / total) + 7).ToArray();
        var drift = new PlantedDrift(
            ids.Take(options.Missing).ToHashSet(),
            ids.Skip(options.Missing).Take(options.Changed).ToHashSet(),
            ids.Skip(options.Missing + options.Changed).ToHashSet());

        await using var connection = new MySqlConnection(server);
        await connection.OpenAsync();
        await ForChunks(drift.TargetMissing, list => ExecuteAsync(connection, $"DELETE FROM {TargetDatabase}.users WHERE id IN ({list})"));
        await ForChunks(drift.Neq, list => ExecuteAsync(connection, $"UPDATE {TargetDatabase}.users SET email = CONCAT('changed.', email) WHERE id IN ({list})"));
        await ForChunks(drift.BaseMissing, list => ExecuteAsync(connection, $"DELETE FROM {SourceDatabase}.users WHERE id IN ({list})"));
        return drift;
    }

    /// <summary>
    /// Writes the freshly loaded tables' dirty pages to disk, so the measured run does not share the machine with the
    /// server's background flushing of the setup (a server validated in production has long since done that).
    /// </summary>
    public static async Task SettleAsync(string server)
    {
        await using var connection = new MySqlConnection(server);
        await connection.OpenAsync();
        foreach (var db in new[] { SourceDatabase, TargetDatabase })
        {
            await ExecuteAsync(connection, $"FLUSH TABLES {db}.users FOR EXPORT; UNLOCK TABLES;");
        }
    }

    /// <summary>The server's version string, e.g. <c>10.11.19-MariaDB-0+deb12u1</c>.</summary>
    public static async Task<string> ServerVersionAsync(string server)
    {
        await using var connection = new MySqlConnection(server);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SELECT VERSION()", connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The machine's 1, 5 and 15 minute load averages (Linux), for the record: other work slows the figures.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    /// <summary>Rows of <c>users</c> that only one side has, or that both have with other values: 0 when the sides are equal.</summary>
    public static async Task<long> CountDifferencesAsync(string server)
    {
        await using var connection = new MySqlConnection(server);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(
            $"""
            SELECT (SELECT COUNT(*) FROM {SourceDatabase}.users s LEFT JOIN {TargetDatabase}.users t ON t.id = s.id WHERE t.id IS NULL)
                 + (SELECT COUNT(*) FROM {TargetDatabase}.users t LEFT JOIN {SourceDatabase}.users s ON s.id = t.id WHERE s.id IS NULL)
                 + (SELECT COUNT(*) FROM {SourceDatabase}.users s JOIN {TargetDatabase}.users t ON t.id = s.id
                    WHERE NOT (s.name <=> t.name AND s.email <=> t.email AND s.age <=> t.age AND s.balance <=> t.balance
                               AND s.ctime <=> t.ctime AND s.utime <=> t.utime))
            """, connection) { CommandTimeout = 600 };
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static async Task ExecuteAsync(MySqlConnection connection, string sql)
    {
        await using var command = new MySqlCommand(sql, connection) { CommandTimeout = 600 };
        await command.ExecuteNonQueryAsync();
    }

    private static async Task ForChunks(IEnumerable<long> ids, Func<string, Task> action)
    {
        foreach (var chunk in ids.Chunk(1_000))
        {
            await action(string.Join(',', chunk.Select(id => id.ToString(CultureInfo.InvariantCulture))));
        }
    }
}
