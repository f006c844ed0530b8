using System.Data.Common;
using System.Globalization;
using Migration.Domain.Tables;
using Migration.Infrastructure.Schema;

namespace Migration.Infrastructure.Data;

/// <summary>MySQL 8 and MariaDB 10.11 (tested on MariaDB).</summary>
internal sealed class MySqlDialect : SqlDialect
{
    public override string ReadFence(bool forWrite) =>
        "SELECT `primary_side` FROM `migration_fence` WHERE `id` = 1" + (forWrite ? " LOCK IN SHARE MODE" : "");

    public override string SetFence =>
        "INSERT INTO `migration_fence` (`id`, `primary_side`, `changed_at`) VALUES (1, @side, @at) " +
        "ON DUPLICATE KEY UPDATE `primary_side` = VALUES(`primary_side`), `changed_at` = VALUES(`changed_at`)";

    /// <remarks>
    /// The keys are bound literals, as in the row path's <c>key = @k</c>, so each comparison is the column's own (its
    /// collation, its padding): the same equality that found the row.
    /// </remarks>
    public override string MatchingKeys(TableSpec table, int count, string name)
    {
        var sql = new System.Text.StringBuilder("CONCAT_WS(','");
        for (var i = 0; i < count; i++)
        {
            var equal = table.Key.Count == 1
                ? $"{Quote(table.Key[0].Name)} = @{name}{i}"
                : string.Join(" AND ", table.Key.Select((k, c) => $"{Quote(k.Name)} = @{name}{i}_{c}"));
            sql.Append(CultureInfo.InvariantCulture, $", IF({equal}, {i}, NULL)");
        }

        return sql.Append(')').ToString();
    }

    /// <remarks>
    /// <c>INSERT … SELECT … FROM (rows) ON DUPLICATE KEY UPDATE col = IF(guard, new, col)</c>: the derived table carries
    /// each row's guard time. MySQL applies ON DUPLICATE KEY UPDATE to a collision on any unique key, so the guard also
    /// asks for the same key (byte for byte: a collision it cannot prove to be the same row is left to the row path).
    /// </remarks>
    public override string GuardedUpsert(TableSpec table, IReadOnlyList<string> columns, IReadOnlyList<(object?[] Values, object? Guard)> rows, DbCommand command)
    {
        var sets = BindBatch(table, columns, rows, command);
        var (t, b) = (Quote(table.Name), Quote(BatchName));
        var sql = new System.Text.StringBuilder("INSERT INTO ").Append(t).Append(" (").AppendJoin(", ", columns.Select(Quote))
            .Append(") SELECT ").AppendJoin(", ", columns.Select(c => $"{b}.{Quote(c)}")).Append(" FROM (");
        for (var r = 0; r < rows.Count; r++)
        {
            sql.Append(r == 0 ? "SELECT " : " UNION ALL SELECT ");
            for (var c = 0; c < columns.Count; c++)
            {
                sql.Append(c == 0 ? "" : ", ").Append("@u").Append(r).Append('_').Append(c);
                if (r == 0)
                {
                    sql.Append(" AS ").Append(Quote(columns[c]));
                }
            }

            sql.Append(", @u").Append(r).Append("_g");
            if (r == 0)
            {
                sql.Append(" AS ").Append(Quote(GuardName));
            }
        }

        var guard = string.Join(" AND ", table.Key.Select(k => k.Kind == ColumnKind.Text
            ? $"BINARY {t}.{Quote(k.Name)} = BINARY {b}.{Quote(k.Name)}"
            : $"{t}.{Quote(k.Name)} = {b}.{Quote(k.Name)}"));
        if (table.Version is { } v)
        {
            var version = Quote(v.Column.Name);
            guard += $" AND ({t}.{version} <= {b}.{version} OR {t}.{version} <= {b}.{Quote(GuardName)})";
        }

        sql.Append(") AS ").Append(b).Append(" ON DUPLICATE KEY UPDATE ")
            .AppendJoin(", ", sets.Select(c => $"{Quote(c)} = IF({guard}, {b}.{Quote(c)}, {t}.{Quote(c)})"));
        return sql.ToString();
    }

    public override string CreateJournalTable =>
        "CREATE TABLE IF NOT EXISTS `migration_journal` (`seq` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, " +
        "`table_name` VARCHAR(128) NOT NULL, `row_key` TEXT NOT NULL, `op` CHAR(1) NOT NULL, `at_ms` BIGINT NOT NULL, " +
        "`origin` VARCHAR(8) NOT NULL, KEY `ix_migration_journal_table` (`table_name`, `seq`), KEY `ix_migration_journal_at` (`at_ms`)) ENGINE=InnoDB";

    public override string TrimJournal(int batch) => string.Create(CultureInfo.InvariantCulture,
        $"DELETE FROM `migration_journal` WHERE `seq` <= @upTo AND `at_ms` < @before ORDER BY `seq` LIMIT {batch}");

    // SYSDATE, not NOW: the time the trigger runs, not the time its statement began.
    private protected override string NowMs => "CAST(UNIX_TIMESTAMP(SYSDATE(3)) * 1000 AS SIGNED)";

    private protected override string FromNothing => "FROM DUAL";

    private protected override string SameValue(string a, string b) => $"{a} <=> {b}";

    private protected override string IntegerText(string expression) => $"CAST({expression} AS CHAR)";

    private protected override string HexText(string expression) => $"CONCAT('0x', HEX({expression}))";

    private protected override string JsonQuote(string expression) => $"JSON_QUOTE({expression})";

    private protected override string JsonObject(string pairs) => $"JSON_OBJECT({pairs})";

    private protected override string TriggerStatement(string name, string timing, string table, string body) =>
        $"CREATE TRIGGER {name} AFTER {timing} ON {table} FOR EACH ROW {body}";

    public override string ListJournalTriggers =>
        "SELECT EVENT_OBJECT_TABLE, TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND TRIGGER_NAME LIKE 'migration\\_%'";

    // ER_TABLEACCESS_DENIED_ERROR (1142), ER_SPECIFIC_ACCESS_DENIED_ERROR (1227), ER_DBACCESS_DENIED_ERROR (1044).
    public override bool IsPrivilegeDenied(Exception exception) =>
        exception.GetBaseException() is MySqlConnector.MySqlException { ErrorCode: var code } && (int)code is 1142 or 1227 or 1044;

    public override bool IsDuplicateKey(Exception exception) =>
        exception.GetBaseException() is MySqlConnector.MySqlException { ErrorCode: MySqlConnector.MySqlErrorCode.DuplicateKeyEntry };

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

    /// <summary>The collation's sort key: two values the server calls equal have the same weight, and weights order as the collation does.</summary>
    public override string? KeyWeight(ColumnSpec column) => column.Kind == ColumnKind.Text ? $"WEIGHT_STRING({Quote(column.Name)})" : null;

    /// <summary>
    /// A row's checksum must not be a function that XOR can cancel: the CRC32 of a row's text is linear in the text,
    /// and so is anything computed from it and the key alone, so rows that swap values, or change the same bytes the
    /// same way, would leave a chunk's XOR unchanged. It is therefore a cryptographic hash (SHA-1) of the key and the
    /// values together, folded to 32 bits by a CRC32 of its hex digits: no swap, duplicate or permutation inside a
    /// chunk cancels out (only a chance 2^-32 coincidence can). The text hashed is the key, the values (each under its
    /// column's comparison rule) joined by a separator with NULLs skipped, then a NULL flag per nullable column and the
    /// length of each non-numeric value but the last, so no two different rows hash the same text.
    /// </summary>
    public override string RowChecksum(TableSpec table, bool mariaDb)
    {
        var values = table.Columns.Select(c => (Column: c, Expression: Compared(c, table.RuleFor(c), mariaDb))).ToArray();
        var variable = values.Where(v => !v.Column.IsNumeric).ToArray();
        var parts = table.Key.Select(k => Quote(k.Name))
            .Concat(values.Select(v => v.Expression))
            .Concat(values.Where(v => v.Column.Nullable).Select(v => $"ISNULL({Quote(v.Column.Name)})"))
            .Concat(variable.Take(variable.Length - 1).Select(v => $"LENGTH({v.Expression})"));
        // SHA1 and CRC32 exist on MySQL 8 and MariaDB alike, and return the same bytes. CRC32 folds the digest's
        // hex text to an integer at the cost of a CRC over 40 bytes; CONV(LEFT(SHA1(...), 16), 16, 10) would give
        // 64 bits, but its string conversions cost the server about as much again as the SHA-1 itself.
        return $"CRC32(SHA1(CONCAT_WS('#', {string.Join(", ", parts)})))";
    }

    /// <summary>A column's value as its comparison rule compares it (<see cref="Validation.ValueRules"/> does the same here).</summary>
    private static string Compared(ColumnSpec column, CompareRule rule, bool mariaDb)
    {
        var q = Quote(column.Name);
        return rule switch
        {
            { Tolerance: { } t } when t > 0 => string.Create(CultureInfo.InvariantCulture, $"ROUND({q} / {t})"),
            { Precision: { } p } when column.DataType.StartsWith("time", StringComparison.OrdinalIgnoreCase)
                && !column.DataType.StartsWith("timestamp", StringComparison.OrdinalIgnoreCase) =>
                p == 0 ? $"TIME_FORMAT({q}, '%H:%i:%s')" : string.Create(CultureInfo.InvariantCulture, $"LEFT(TIME_FORMAT({q}, '%H:%i:%s.%f'), {9 + p})"),
            { Precision: 0 } => $"DATE_FORMAT({q}, '%Y-%m-%d %H:%i:%s')",
            { Precision: { } p } => string.Create(CultureInfo.InvariantCulture, $"LEFT(DATE_FORMAT({q}, '%Y-%m-%d %H:%i:%s.%f'), {20 + p})"),
            { Json: true } => mariaDb ? $"JSON_NORMALIZE({q})" : $"CAST({q} AS JSON)",
            { TrimTrailing: true } => $"TRIM(TRAILING ' ' FROM {q})",
            _ => q,
        };
    }
}
