using System.Data.Common;
using System.Globalization;
using System.Text;
using Migration.Domain.Tables;
using Migration.Infrastructure.Schema;

namespace Migration.Infrastructure.Data;

/// <summary>The SQL that differs between SQLite and MySQL. Both accept backtick-quoted identifiers and LIMIT.</summary>
internal abstract class SqlDialect
{
    public static readonly SqlDialect Sqlite = new SqliteDialect();
    public static readonly SqlDialect MySql = new MySqlDialect();

    public static string Quote(string identifier) => $"`{identifier.Replace("`", "``", StringComparison.Ordinal)}`";

    /// <summary>
    /// Inserts a row or updates the existing one, but only where the existing row's <c>utime</c> is not newer than the
    /// incoming one or not newer than <c>@confirmed</c> (the repair's guard, <see cref="Domain.Repair.RepairRule"/>):
    /// a row written after that time is left as it is. Parameters are <c>@p0</c>, <c>@p1</c>… in the order of
    /// <paramref name="columns"/>, and <c>@confirmed</c>.
    /// </summary>
    public abstract string Upsert(string table, IReadOnlyList<string> columns, string keyColumn, string utimeColumn);

    /// <summary>Deletes the row with key <c>@p0</c> unless its <c>utime</c> is newer than <c>@confirmed</c>.</summary>
    public virtual string GuardedDelete(string table, string keyColumn, string utimeColumn) =>
        $"DELETE FROM {Quote(table)} WHERE {Quote(keyColumn)} = @p0 AND {Quote(utimeColumn)} <= @confirmed";

    /// <summary>
    /// A per-row checksum computed by the server (an unsigned integer below 2^32), or null where the engine has none
    /// (then validation compares whole rows). Chunks are compared by the XOR of their rows' checksums, so a row's
    /// checksum must not be a function that XOR can cancel: the CRC32 of a row's text is linear in the text, and so
    /// is anything computed from it and the key alone, so rows that swap values, or change the same bytes the same way,
    /// or whose keys get the same weight, leave such a sum unchanged. The checksum is therefore a cryptographic hash
    /// (SHA-1) of the key and the values together, folded to 32 bits by a CRC32 of its hex digits: a row's checksum
    /// depends on all of the row at once, and the checksums of different rows are unrelated, so no swap, duplicate
    /// or permutation inside a chunk cancels out (only a chance 2^-32 coincidence can). The text hashed is the key,
    /// the values joined by a separator (NULLs skipped), then a NULL flag per <paramref name="nullableColumns"/> column
    /// and the length of each <paramref name="variableColumns"/> value (text, binary: anything that may contain the
    /// separator) but the last, whose extent the separators around the numbers after it fix, so no two different rows
    /// hash the same text.
    /// </summary>
    public virtual string? RowChecksum(
        string keyColumn, IReadOnlyList<string> columns, IReadOnlyCollection<string> variableColumns, IReadOnlyCollection<string> nullableColumns) => null;

    public bool HasRowChecksum => RowChecksum("id", ["c"], [], []) is not null;

    /// <summary>The write fence of a side (see <see cref="DoubleWrite.WriteFence"/>): one row naming the side that assigns ids.</summary>
    public string CreateFenceTable =>
        "CREATE TABLE IF NOT EXISTS `migration_fence` (`id` INT NOT NULL PRIMARY KEY, `primary_side` VARCHAR(3) NOT NULL, `changed_at` BIGINT NOT NULL)";

    /// <summary>
    /// The fence's side. <paramref name="forWrite"/>: inside a write transaction, holding the fence row so that moving the
    /// fence waits until the transaction has ended.
    /// </summary>
    public abstract string ReadFence(bool forWrite);

    /// <summary>Sets the fence to <c>@side</c> at <c>@at</c>; on MySQL it waits for every transaction that read the fence for a write.</summary>
    public abstract string SetFence { get; }

    /// <summary>One row, one column: 1 when the table <c>@t</c> exists in the connection's database, else 0.</summary>
    public abstract string TableExists { get; }

    /// <summary>The base tables of the connection's database, but the service's own (<c>migration_*</c>).</summary>
    public abstract Task<IReadOnlyList<string>> ReadTableNamesAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>The table's columns and primary key from the catalog, or null when there is no such table.</summary>
    public abstract Task<SideTable?> ReadTableAsync(DbConnection connection, string table, CancellationToken cancellationToken);

    /// <summary>The largest key of the table, 0 when it is empty.</summary>
    public static string MaxKey(string table, string keyColumn) => $"SELECT COALESCE(MAX({Quote(keyColumn)}), 0) FROM {Quote(table)}";

    /// <summary>Makes the table's next generated key greater than <paramref name="floor"/> (never lower than it already is).</summary>
    public abstract string RaiseIdFloor(string table, long floor);

    private protected static void AddParameter(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }

    private static async Task<IReadOnlyList<string>> ReadStringsAsync(DbConnection connection, string sql, string? table, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        if (table is not null)
        {
            AddParameter(command, "@t", table);
        }

        var values = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    private static string InsertPrefix(string table, IReadOnlyList<string> columns)
    {
        var sql = new StringBuilder("INSERT INTO ").Append(Quote(table)).Append(" (");
        sql.AppendJoin(", ", columns.Select(Quote)).Append(") VALUES (");
        sql.AppendJoin(", ", columns.Select((_, i) => $"@p{i}")).Append(')');
        return sql.ToString();
    }

    private sealed class SqliteDialect : SqlDialect
    {
        // SQLite's write transaction holds the database's write lock from its start, so a plain read is enough.
        public override string ReadFence(bool forWrite) => "SELECT `primary_side` FROM `migration_fence` WHERE `id` = 1";

        public override string SetFence =>
            "INSERT INTO `migration_fence` (`id`, `primary_side`, `changed_at`) VALUES (1, @side, @at) " +
            "ON CONFLICT(`id`) DO UPDATE SET `primary_side` = excluded.`primary_side`, `changed_at` = excluded.`changed_at`";

        public override string TableExists => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = @t";

        public override async Task<IReadOnlyList<string>> ReadTableNamesAsync(DbConnection connection, CancellationToken cancellationToken) =>
            await ReadStringsAsync(connection,
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE 'migration\\_%' ESCAPE '\\' ORDER BY name",
                null, cancellationToken);

        public override async Task<SideTable?> ReadTableAsync(DbConnection connection, string table, CancellationToken cancellationToken)
        {
            var ddl = (await ReadStringsAsync(connection, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = @t", table, cancellationToken))
                .SingleOrDefault();
            if (ddl is null)
            {
                return null;
            }

            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT name, type, \"notnull\", pk FROM pragma_table_info(@t) ORDER BY cid";
            AddParameter(command, "@t", table);
            var columns = new List<ColumnSpec>();
            var key = new List<(int Position, string Name)>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var (name, type) = (reader.GetString(0), reader.GetString(1));
                var kind = ColumnKinds.FromSqlite(type);
                var pk = reader.GetInt32(3);
                // An INTEGER PRIMARY KEY is the rowid: never NULL, whatever the declaration says.
                var nullable = reader.GetInt32(2) == 0 && pk == 0;
                var collation = kind == ColumnKind.Text ? SqliteCollation(ddl, name) : null;
                columns.Add(new ColumnSpec(name, kind, type.ToLowerInvariant(), nullable, collation));
                if (pk > 0)
                {
                    key.Add((pk, name));
                }
            }

            return new SideTable(table, columns, key.OrderBy(k => k.Position).Select(k => k.Name).ToArray());
        }

        /// <summary>A column's collation from its table's DDL: BINARY unless it declares NOCASE (or RTRIM).</summary>
        private static TextCollation SqliteCollation(string ddl, string column)
        {
            var definition = System.Text.RegularExpressions.Regex.Match(
                ddl, $@"[`""\[]?{System.Text.RegularExpressions.Regex.Escape(column)}[`""\]]?\s[^,]*?COLLATE\s+(\w+)",
                System.Text.RegularExpressions.RegexOptions.IgnoreCase);
            var name = definition.Success ? definition.Groups[1].Value.ToUpperInvariant() : "BINARY";
            return new TextCollation(name, name == "NOCASE");
        }

        // An AUTOINCREMENT table takes its next key from sqlite_sequence (EF Core creates integer keys that way).
        public override string RaiseIdFloor(string table, long floor) => string.Create(CultureInfo.InvariantCulture,
            $"UPDATE sqlite_sequence SET seq = MAX(seq, {floor}) WHERE name = '{table.Replace("'", "''", StringComparison.Ordinal)}'; " +
            $"INSERT INTO sqlite_sequence (name, seq) SELECT '{table.Replace("'", "''", StringComparison.Ordinal)}', {floor} " +
            $"WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = '{table.Replace("'", "''", StringComparison.Ordinal)}')");

        public override string Upsert(string table, IReadOnlyList<string> columns, string keyColumn, string utimeColumn)
        {
            var sets = columns.Where(c => c != keyColumn).Select(c => $"{Quote(c)} = excluded.{Quote(c)}");
            return $"{InsertPrefix(table, columns)} ON CONFLICT({Quote(keyColumn)}) DO UPDATE SET {string.Join(", ", sets)} " +
                $"WHERE excluded.{Quote(utimeColumn)} >= {Quote(table)}.{Quote(utimeColumn)} OR {Quote(table)}.{Quote(utimeColumn)} <= @confirmed";
        }
    }

    private sealed class MySqlDialect : SqlDialect
    {
        public override string ReadFence(bool forWrite) =>
            "SELECT `primary_side` FROM `migration_fence` WHERE `id` = 1" + (forWrite ? " LOCK IN SHARE MODE" : "");

        public override string SetFence =>
            "INSERT INTO `migration_fence` (`id`, `primary_side`, `changed_at`) VALUES (1, @side, @at) " +
            "ON DUPLICATE KEY UPDATE `primary_side` = VALUES(`primary_side`), `changed_at` = VALUES(`changed_at`)";

        public override string TableExists =>
            "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = @t";

        public override async Task<IReadOnlyList<string>> ReadTableNamesAsync(DbConnection connection, CancellationToken cancellationToken) =>
            await ReadStringsAsync(connection,
                "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' " +
                "AND TABLE_NAME NOT LIKE 'migration\\_%' ORDER BY TABLE_NAME",
                null, cancellationToken);

        public override async Task<SideTable?> ReadTableAsync(DbConnection connection, string table, CancellationToken cancellationToken)
        {
            await using var command = connection.CreateCommand();
            command.CommandText =
                "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, COLLATION_NAME, COALESCE(NUMERIC_SCALE, DATETIME_PRECISION, 0) " +
                "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = @t ORDER BY ORDINAL_POSITION;" +
                "SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE " +
                "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = @t AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION";
            AddParameter(command, "@t", table);
            var columns = new List<ColumnSpec>();
            var key = new List<string>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var (dataType, columnType) = (reader.GetString(1), reader.GetString(2));
                var kind = ColumnKinds.FromMySql(dataType, columnType);
                var collation = reader.IsDBNull(4) || kind != ColumnKind.Text ? null : MySqlCollation(reader.GetString(4));
                columns.Add(new ColumnSpec(
                    reader.GetString(0), kind, columnType, reader.GetString(3) == "YES", collation, Convert.ToInt32(reader.GetValue(5), CultureInfo.InvariantCulture)));
            }

            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                key.Add(reader.GetString(0));
            }

            return columns.Count == 0 ? null : new SideTable(table, columns, key);
        }

        /// <summary>Case-insensitive collations end in <c>_ci</c> (<c>utf8mb4_general_ci</c>, <c>utf8mb4_0900_ai_ci</c>); <c>_bin</c> and <c>_cs</c> are not.</summary>
        private static TextCollation MySqlCollation(string name) => new(name, name.EndsWith("_ci", StringComparison.OrdinalIgnoreCase));

        // InnoDB never sets the counter below the largest key + 1, so a floor lower than that changes nothing.
        public override string RaiseIdFloor(string table, long floor) =>
            string.Create(CultureInfo.InvariantCulture, $"ALTER TABLE {Quote(table)} AUTO_INCREMENT = {floor + 1}");

        public override string Upsert(string table, IReadOnlyList<string> columns, string keyColumn, string utimeColumn)
        {
            // MySQL applies the assignments left to right, so utime, which the guard reads, is assigned last.
            var guard = $"(VALUES({Quote(utimeColumn)}) >= {Quote(utimeColumn)} OR {Quote(utimeColumn)} <= @confirmed)";
            var sets = columns.Where(c => c != keyColumn && c != utimeColumn)
                .Append(utimeColumn)
                .Select(c => $"{Quote(c)} = IF({guard}, VALUES({Quote(c)}), {Quote(c)})");
            return $"{InsertPrefix(table, columns)} ON DUPLICATE KEY UPDATE {string.Join(", ", sets)}";
        }

        public override string RowChecksum(
            string keyColumn, IReadOnlyList<string> columns, IReadOnlyCollection<string> variableColumns, IReadOnlyCollection<string> nullableColumns)
        {
            var variable = columns.Where(variableColumns.Contains).ToArray();
            var parts = columns.Select(Quote)
                .Concat(columns.Where(nullableColumns.Contains).Select(c => $"ISNULL({Quote(c)})"))
                .Concat(variable.Take(variable.Length - 1).Select(c => $"LENGTH({Quote(c)})"));
            // SHA1 and CRC32 exist on MySQL 8 and MariaDB alike, and return the same bytes. CRC32 folds the digest's
            // hex text to an integer at the cost of a CRC over 40 bytes; CONV(LEFT(SHA1(...), 16), 16, 10) would give
            // 64 bits, but its string conversions cost the server about as much again as the SHA-1 itself.
            return $"CRC32(SHA1(CONCAT_WS('#', {Quote(keyColumn)}, {string.Join(", ", parts)})))";
        }
    }
}
