using System.Globalization;
using System.Text;
using Migration.Domain.Tables;
using MySqlConnector;

namespace Migration.Bench;

/// <summary>
/// One table of the schema benchmark: its shape, its share of the rows, and how the server generates, keys and changes
/// its rows from a sequence number <c>seq</c> (1, 2, …).
/// </summary>
/// <param name="Share">Parts per 100 of the schema's rows.</param>
/// <param name="Columns">The column definitions and keys of <c>CREATE TABLE</c>.</param>
/// <param name="Values">The select list that makes row <c>seq</c>, in column order.</param>
/// <param name="Key">The key columns, each with the expression of its value for row <c>seq</c>.</param>
/// <param name="Change">The <c>SET</c> list that makes a planted row differ on the target.</param>
/// <param name="VersionColumn">Configured as the table's version column (incremental validation), or null.</param>
internal sealed record SchemaTable(
    string Name,
    string Shape,
    int Share,
    string Columns,
    string Values,
    IReadOnlyList<KeyPart> Key,
    string Change,
    string? VersionColumn = null);

/// <summary>A key column of a <see cref="SchemaTable"/>: its name, the expression of its value for row <c>seq</c>, and its kind.</summary>
internal sealed record KeyPart(string Column, string Expression, ColumnKind Kind);

/// <summary>The keys planted as differences in one table, each as <see cref="RowKey.ToText"/>, by the type validation should report.</summary>
internal sealed record PlantedKeys(HashSet<string> TargetMissing, HashSet<string> Neq, HashSet<string> BaseMissing)
{
    public int Count => TargetMissing.Count + Neq.Count + BaseMissing.Count;
}

/// <summary>
/// The schema benchmark's tables (issue 12): a composite key of an integer and a string, a VARCHAR key under a
/// case-insensitive collation, CHAR(36) and BINARY(16) UUIDs, a DATETIME(3) version column, tables without a version
/// column, and the classic integer-key <c>users</c>. The server fills them (MariaDB's SEQUENCE engine), the target
/// is copied from the source, and the drift is planted by sequence number, spread evenly over each table.
/// </summary>
internal static class SchemaDatabase
{
    private const string Uuid =
        "LOWER(CONCAT_WS('-', SUBSTR(MD5(CONCAT('session', seq)), 1, 8), SUBSTR(MD5(CONCAT('session', seq)), 9, 4), " +
        "CONCAT('4', SUBSTR(MD5(CONCAT('session', seq)), 14, 3)), SUBSTR(MD5(CONCAT('session', seq)), 17, 4), SUBSTR(MD5(CONCAT('session', seq)), 21, 12)))";

    // Half of the codes are upper case: the collation, not the bytes, orders them, and pt-table-sync and the service
    // must both merge the two sides in that order.
    private const string CustomerCode = "CONCAT(IF(seq % 2 = 0, UPPER(LEFT(MD5(seq), 6)), LEFT(MD5(seq), 6)), '-', seq)";

    private const string LineCode = "ELT(1 + (seq - 1) % 4, 'main', 'Gift', 'ship', 'Tax')";

    public static readonly IReadOnlyList<SchemaTable> Tables =
    [
        new("users", "BIGINT key, BIGINT ms version column (the classic table)", 20,
            """
            id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(100) NOT NULL, email VARCHAR(200) NOT NULL, age INT NOT NULL,
            balance DECIMAL(12,2) NOT NULL, ctime BIGINT NOT NULL, utime BIGINT NOT NULL, KEY ix_users_utime_id (utime, id)
            """,
            "seq, CONCAT('User ', seq), CONCAT('user', seq, '@example.com'), 18 + seq % 60, (seq * 7919 % 1000000) / 100, " +
            "1700000000000 + seq, 1700000000000 + seq",
            [new("id", "seq", ColumnKind.Integer)],
            "email = CONCAT('changed.', email)",
            "utime"),
        new("order_lines", "composite key BIGINT + VARCHAR (utf8mb4_general_ci), no version column", 20,
            """
            order_id BIGINT NOT NULL, line_code VARCHAR(16) NOT NULL, product_sku VARCHAR(32) NOT NULL, quantity INT NOT NULL,
            unit_price DECIMAL(10,2) NOT NULL, discount DECIMAL(5,2) NULL, PRIMARY KEY (order_id, line_code)
            """,
            $"(seq - 1) DIV 4 + 1, {LineCode}, CONCAT('SKU-', seq * 7919 % 100000), 1 + seq % 9, (seq * 7919 % 100000) / 100, " +
            "IF(seq % 5 = 0, NULL, seq % 30)",
            [new("order_id", "(seq - 1) DIV 4 + 1", ColumnKind.Integer), new("line_code", LineCode, ColumnKind.Text)],
            "quantity = quantity + 1, discount = IF(discount IS NULL, 0.50, NULL)"),
        new("customers", "VARCHAR(32) key, utf8mb4_unicode_ci (case-insensitive), no version column", 14,
            """
            code VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL PRIMARY KEY, name VARCHAR(100) NOT NULL,
            email VARCHAR(200) NOT NULL, country CHAR(2) NOT NULL, credit_limit DECIMAL(12,2) NOT NULL, notes VARCHAR(255) NULL,
            created DATE NOT NULL
            """,
            $"{CustomerCode}, CONCAT('Customer ', seq), CONCAT('c', seq, '@example.org'), ELT(1 + seq % 5, 'DE', 'FR', 'GB', 'US', 'JP'), " +
            "(seq * 31 % 100000) * 10, IF(seq % 3 = 0, NULL, CONCAT('note ', seq % 97)), '2020-01-01' + INTERVAL (seq % 2000) DAY",
            [new("code", CustomerCode, ColumnKind.Text)],
            "name = CONCAT(name, ' Ltd')"),
        new("sessions", "CHAR(36) UUID key, no version column", 12,
            """
            id CHAR(36) NOT NULL PRIMARY KEY, user_id BIGINT NOT NULL, ip VARCHAR(45) NOT NULL, user_agent VARCHAR(200) NOT NULL,
            started_at DATETIME NOT NULL, expires_at DATETIME NULL, active TINYINT NOT NULL
            """,
            $"{Uuid}, seq * 7 % 1000003, CONCAT('10.', seq % 256, '.', seq DIV 256 % 256, '.', seq DIV 65536 % 256), " +
            "ELT(1 + seq % 3, 'Mozilla/5.0 (X11; Linux x86_64)', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5)', 'curl/8.5.0'), " +
            "'2025-01-01' + INTERVAL seq SECOND, IF(seq % 4 = 0, NULL, '2025-02-01' + INTERVAL seq SECOND), seq % 2",
            [new("id", Uuid, ColumnKind.Text)],
            "expires_at = IF(expires_at IS NULL, '2030-01-01 00:00:00', NULL)"),
        new("devices", "BINARY(16) UUID key, no version column", 12,
            """
            id BINARY(16) NOT NULL PRIMARY KEY, serial VARCHAR(40) NOT NULL, model VARCHAR(60) NOT NULL, firmware VARCHAR(20) NOT NULL,
            registered_at TIMESTAMP NOT NULL DEFAULT '2000-01-01 00:00:00', last_seen TIMESTAMP NULL DEFAULT NULL
            """,
            "UNHEX(MD5(CONCAT('device', seq))), CONCAT('SN', LPAD(seq, 10, '0')), ELT(1 + seq % 4, 'Sensor A1', 'Sensor B2', 'Gateway G7', 'Meter M3'), " +
            "CONCAT('1.', seq % 20, '.', seq % 7), '2024-01-01' + INTERVAL seq SECOND, IF(seq % 6 = 0, NULL, '2025-06-01' + INTERVAL seq SECOND)",
            [new("id", "UNHEX(MD5(CONCAT('device', seq)))", ColumnKind.Binary)],
            "firmware = CONCAT(firmware, '-rc')"),
        new("payments", "BIGINT key with gaps, DATETIME(3) version column", 14,
            """
            id BIGINT NOT NULL PRIMARY KEY, customer_code VARCHAR(32) NOT NULL, amount DECIMAL(12,2) NOT NULL, currency CHAR(3) NOT NULL,
            status VARCHAR(16) NOT NULL, reference VARCHAR(64) NULL, created_at DATETIME(3) NOT NULL, updated_at DATETIME(3) NOT NULL,
            KEY ix_payments_updated_at_id (updated_at, id)
            """,
            "seq * 3, CONCAT('C', seq % 50000), (seq * 7919 % 10000000) / 100, ELT(1 + seq % 3, 'EUR', 'USD', 'GBP'), " +
            "ELT(1 + seq % 4, 'authorized', 'captured', 'refunded', 'failed'), IF(seq % 7 = 0, NULL, CONCAT('ref-', MD5(seq))), " +
            "'2025-01-01' + INTERVAL (seq * 1013000) MICROSECOND, '2025-01-01' + INTERVAL (seq * 1013000 + seq % 86400000) MICROSECOND",
            [new("id", "seq * 3", ColumnKind.Integer)],
            "status = 'disputed', updated_at = updated_at - INTERVAL 1 SECOND",
            "updated_at"),
        new("products", "INT UNSIGNED key, TEXT and DOUBLE columns, no version column", 8,
            """
            id INT UNSIGNED NOT NULL PRIMARY KEY, name VARCHAR(120) NOT NULL, description TEXT NULL, price DECIMAL(10,2) NOT NULL,
            weight_kg DOUBLE NOT NULL, active TINYINT(1) NOT NULL
            """,
            "seq, CONCAT('Product ', seq), IF(seq % 10 = 0, NULL, REPEAT(CONCAT('Lorem ipsum ', seq, ' '), 1 + seq % 8)), " +
            "(seq * 7919 % 100000) / 100, (seq % 5000) / 7, seq % 2",
            [new("id", "seq", ColumnKind.UnsignedInteger)],
            "price = price + 1"),
    ];

    /// <summary>Rows of each table for <paramref name="total"/> rows in all; the largest table takes the rounding.</summary>
    public static IReadOnlyDictionary<string, int> RowsPerTable(int total)
    {
        var rows = Tables.ToDictionary(t => t.Name, t => (int)((long)total * t.Share / 100));
        rows[Tables[0].Name] += total - rows.Values.Sum();
        return rows;
    }

    /// <summary>Creates every table on both sides, fills the source on the server and copies it to the target.</summary>
    public static async Task CreateAsync(string server, IReadOnlyDictionary<string, int> rows)
    {
        await using var connection = new MySqlConnection(server);
        await connection.OpenAsync();
        foreach (var db in new[] { BenchDatabase.SourceDatabase, BenchDatabase.TargetDatabase })
        {
            await BenchDatabase.ExecuteAsync(connection, $"DROP DATABASE IF EXISTS {db}; CREATE DATABASE {db} CHARACTER SET utf8mb4;");
            foreach (var table in Tables)
            {
                await BenchDatabase.ExecuteAsync(connection, $"CREATE TABLE {db}.{table.Name} ({table.Columns}) ENGINE=InnoDB");
            }
        }

        await BenchDatabase.ExecuteAsync(connection, $"USE {BenchDatabase.SourceDatabase}");
        foreach (var table in Tables)
        {
            await BenchDatabase.ExecuteAsync(connection, string.Create(CultureInfo.InvariantCulture, $"""
                INSERT INTO {table.Name} SELECT {table.Values} FROM seq_1_to_{rows[table.Name]};
                INSERT INTO {BenchDatabase.TargetDatabase}.{table.Name} SELECT * FROM {BenchDatabase.SourceDatabase}.{table.Name};
                """));
        }
    }

    /// <summary>
    /// Plants <paramref name="perMillion"/> differences per million rows in each table (at least three), spread evenly
    /// over its rows: a third deleted from the target, a third changed there, a third deleted from the source.
    /// </summary>
    /// <param name="apply">False: only work out which keys a run with the same settings planted (the tables are already there).</param>
    public static async Task<Dictionary<string, PlantedKeys>> PlantAsync(string server, IReadOnlyDictionary<string, int> rows, int perMillion, bool apply = true)
    {
        // GuidFormat None: a CHAR(36) key is read as the text stored, as the service reads it.
        await using var connection = new MySqlConnection(new MySqlConnectionStringBuilder(server) { GuidFormat = MySqlGuidFormat.None }.ConnectionString);
        await connection.OpenAsync();
        await BenchDatabase.ExecuteAsync(connection, $"USE {BenchDatabase.SourceDatabase}");
        var planted = new Dictionary<string, PlantedKeys>();
        for (var t = 0; t < Tables.Count; t++)
        {
            var table = Tables[t];
            var count = rows[table.Name];
            var total = (int)Math.Clamp((long)count * perMillion / 1_000_000, Math.Min(3, count / 2), count / 2);
            var step = count / Math.Max(1, total);
            // Each table starts at another offset in its step, so no two tables' drift lines up by position.
            var seqs = Enumerable.Range(0, total).Select(i => 1 + (long)i * step + (7 + 13L * t) % step).ToArray();
            var (missing, changed) = (total / 3, total / 3);
            var keys = new PlantedKeys(
                await PlantAsync(connection, table, seqs[..missing], count, apply, $"DELETE t FROM {BenchDatabase.TargetDatabase}.{table.Name} t"),
                await PlantAsync(connection, table, seqs[missing..(missing + changed)], count, apply, $"UPDATE {BenchDatabase.TargetDatabase}.{table.Name} t", $"SET {table.Change}"),
                await PlantAsync(connection, table, seqs[(missing + changed)..], count, apply, $"DELETE t FROM {BenchDatabase.SourceDatabase}.{table.Name} t"));
            planted[table.Name] = keys;
        }

        return planted;
    }

    /// <summary>
    /// Writes each table's dirty pages to disk, so the measured runs do not share the machine with the server's
    /// background flushing of the setup (see <see cref="BenchDatabase.SettleAsync"/>).
    /// </summary>
    public static async Task SettleAsync(string server)
    {
        await using var connection = new MySqlConnection(server);
        await connection.OpenAsync();
        foreach (var db in new[] { BenchDatabase.SourceDatabase, BenchDatabase.TargetDatabase })
        {
            await BenchDatabase.ExecuteAsync(connection,
                $"FLUSH TABLES {string.Join(", ", Tables.Select(t => $"{db}.{t.Name}"))} FOR EXPORT; UNLOCK TABLES; ANALYZE TABLE {string.Join(", ", Tables.Select(t => $"{db}.{t.Name}"))};");
        }
    }

    /// <summary>Both sides' data and index size in MB, as the server reports it.</summary>
    public static async Task<double> SizeMbAsync(string server)
    {
        await using var connection = new MySqlConnection(server);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(
            $"SELECT SUM(DATA_LENGTH + INDEX_LENGTH) / 1048576 FROM information_schema.TABLES WHERE TABLE_SCHEMA IN ('{BenchDatabase.SourceDatabase}', '{BenchDatabase.TargetDatabase}')",
            connection);
        return Convert.ToDouble(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>Applies <paramref name="statement"/> to the rows of the given sequence numbers; returns their keys.</summary>
    private static async Task<HashSet<string>> PlantAsync(MySqlConnection connection, SchemaTable table, long[] seqs, int rows, bool apply, string statement, string set = "")
    {
        var keys = new HashSet<string>();
        foreach (var chunk in seqs.Chunk(1_000))
        {
            var picked = string.Create(CultureInfo.InvariantCulture,
                $"SELECT {string.Join(", ", table.Key.Select(k => $"{k.Expression} AS `{k.Column}`"))} FROM seq_1_to_{rows} WHERE seq IN ({string.Join(',', chunk)})");
            await using (var command = new MySqlCommand(picked, connection))
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    var values = Enumerable.Range(0, table.Key.Count).Select(reader.GetValue).ToArray();
                    keys.Add(KeyText(table, values));
                }
            }

            var on = string.Join(" AND ", table.Key.Select(k => $"t.`{k.Column}` = p.`{k.Column}`"));
            if (apply)
            {
                await BenchDatabase.ExecuteAsync(connection, $"{statement} JOIN ({picked}) p ON {on} {set}");
            }
        }

        return keys;
    }

    /// <summary>A key as <see cref="RowKey.ToText"/> writes it, from its values as the server or pt-table-sync gives them.</summary>
    public static string KeyText(SchemaTable table, IReadOnlyList<object?> values)
    {
        // Bytes are a binary column's value, or the bytes of a quoted literal: UTF-8 text or digits for other columns.
        var typed = table.Key.Select((k, i) => (k.Kind, values[i] is byte[] b && k.Kind != ColumnKind.Binary ? Encoding.UTF8.GetString(b) : values[i]) switch
        {
            (ColumnKind.Binary, byte[] bytes) => bytes,
            (ColumnKind.Binary, string hex) when hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase) => Convert.FromHexString(hex.AsSpan(2)),
            (ColumnKind.UnsignedInteger, var v) => Convert.ToUInt64(v, CultureInfo.InvariantCulture),
            (ColumnKind.Integer, var v) => Convert.ToInt64(v, CultureInfo.InvariantCulture),
            (_, var v) => (object)Convert.ToString(v, CultureInfo.InvariantCulture)!,
        }).ToArray();
        var order = typed.Select(v => v is string s ? Encoding.UTF8.GetBytes(s) : v).ToArray();
        return new RowKey(table.Key.Select(k => k.Column).ToArray(), typed, order).ToText();
    }
}
