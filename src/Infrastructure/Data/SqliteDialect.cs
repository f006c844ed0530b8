using System.Data.Common;
using System.Globalization;
using Migration.Domain.Tables;
using Migration.Infrastructure.Schema;

namespace Migration.Infrastructure.Data;

/// <summary>SQLite: the embedded default. No server-side row checksum: full runs compare whole rows.</summary>
internal sealed class SqliteDialect : SqlDialect
{
    // SQLite's write transaction holds the database's write lock from its start, so a plain read is enough.
    public override string ReadFence(bool forWrite) => "SELECT `primary_side` FROM `migration_fence` WHERE `id` = 1";

    public override string SetFence =>
        "INSERT INTO `migration_fence` (`id`, `primary_side`, `changed_at`) VALUES (1, @side, @at) " +
        "ON CONFLICT(`id`) DO UPDATE SET `primary_side` = excluded.`primary_side`, `changed_at` = excluded.`changed_at`";

    /// <remarks>
    /// <c>WITH rows AS (VALUES …) INSERT … SELECT … ON CONFLICT (key) DO UPDATE SET … WHERE guard</c>: the guard takes
    /// each row's own guard time from the batch rows by key. A collision on another unique index fails the statement,
    /// which leaves its rows to the row path.
    /// </remarks>
    public override string GuardedUpsert(TableSpec table, IReadOnlyList<string> columns, IReadOnlyList<(object?[] Values, object? Guard)> rows, DbCommand command)
    {
        var sets = BindBatch(table, columns, rows, command);
        var (t, b) = (Quote(table.Name), Quote(BatchName));
        var sql = new System.Text.StringBuilder("WITH ").Append(b).Append(" (").AppendJoin(", ", columns.Select(Quote))
            .Append(", ").Append(Quote(GuardName)).Append(") AS (VALUES ");
        for (var r = 0; r < rows.Count; r++)
        {
            sql.Append(r == 0 ? "(" : ", (");
            for (var c = 0; c < columns.Count; c++)
            {
                sql.Append("@u").Append(r).Append('_').Append(c).Append(", ");
            }

            sql.Append("@u").Append(r).Append("_g)");
        }

        // "WHERE true" keeps SQLite from reading ON CONFLICT as a join's ON.
        sql.Append(") INSERT INTO ").Append(t).Append(" (").AppendJoin(", ", columns.Select(Quote)).Append(") SELECT ")
            .AppendJoin(", ", columns.Select(Quote)).Append(" FROM ").Append(b).Append(" WHERE true ON CONFLICT (")
            .AppendJoin(", ", table.Key.Select(k => Quote(k.Name))).Append(") DO UPDATE SET ")
            .AppendJoin(", ", sets.Select(c => $"{Quote(c)} = excluded.{Quote(c)}"));
        if (table.Version is { } v)
        {
            var version = Quote(v.Column.Name);
            var sameKey = string.Join(" AND ", table.Key.Select(k => $"{b}.{Quote(k.Name)} = excluded.{Quote(k.Name)}"));
            sql.Append(" WHERE ").Append(t).Append('.').Append(version).Append(" <= excluded.").Append(version)
                .Append(" OR ").Append(t).Append('.').Append(version).Append(" <= (SELECT ").Append(b).Append('.').Append(Quote(GuardName))
                .Append(" FROM ").Append(b).Append(" WHERE ").Append(sameKey).Append(" LIMIT 1)");
        }

        return sql.ToString();
    }

    // AUTOINCREMENT: a seq is never handed out twice, even once the newest entries are trimmed, so no cursor skips one.
    public override string CreateJournalTable =>
        "CREATE TABLE IF NOT EXISTS `migration_journal` (`seq` INTEGER PRIMARY KEY AUTOINCREMENT, `table_name` TEXT NOT NULL, " +
        "`row_key` TEXT NOT NULL, `op` TEXT NOT NULL, `at_ms` INTEGER NOT NULL, `origin` TEXT NOT NULL); " +
        "CREATE INDEX IF NOT EXISTS `ix_migration_journal_table` ON `migration_journal` (`table_name`, `seq`); " +
        "CREATE INDEX IF NOT EXISTS `ix_migration_journal_at` ON `migration_journal` (`at_ms`)";

    // No DELETE … LIMIT in SQLite's default build.
    public override string TrimJournal(int batch) => string.Create(CultureInfo.InvariantCulture,
        $"DELETE FROM `migration_journal` WHERE `seq` IN (SELECT `seq` FROM `migration_journal` WHERE `seq` <= @upTo AND `at_ms` < @before ORDER BY `seq` LIMIT {batch})");

    private protected override string NowMs => "CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER)";

    private protected override string FromNothing => "";

    private protected override string SameValue(string a, string b) => $"{a} IS {b}";

    private protected override string IntegerText(string expression) => $"CAST({expression} AS TEXT)";

    private protected override string HexText(string expression) => $"('0x' || hex({expression}))";

    private protected override string JsonQuote(string expression) => $"json_quote({expression})";

    private protected override string JsonObject(string pairs) => $"json_object({pairs})";

    private protected override string TriggerStatement(string name, string timing, string table, string body) =>
        $"CREATE TRIGGER {name} AFTER {timing} ON {table} BEGIN {body}; END";

    public override string ListJournalTriggers =>
        "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'migration\\_%' ESCAPE '\\'";

    // SQLITE_CONSTRAINT (19), extended SQLITE_CONSTRAINT_PRIMARYKEY (1555) or SQLITE_CONSTRAINT_UNIQUE (2067).
    public override bool IsDuplicateKey(Exception exception) =>
        exception.GetBaseException() is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 19, SqliteExtendedErrorCode: 1555 or 2067 };

    public override string TableExists => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = @t";

    public override async Task<IReadOnlyList<string>> ReadTableNamesAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await ReadStringsAsync(connection,
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE 'migration\\_%' ESCAPE '\\' ORDER BY name",
            null, cancellationToken);

    public override async Task<SideTable?> ReadTableAsync(DbConnection connection, string table, CancellationToken cancellationToken)
    {
        // Views too: an entry may name one (never "*", which takes base tables only).
        var ddl = (await ReadStringsAsync(connection, "SELECT sql FROM sqlite_master WHERE type IN ('table', 'view') AND name = @t", table, cancellationToken))
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

    /// <summary>BINARY orders by the UTF-8 bytes; NOCASE folds ASCII letters first (SQLite's only built-in case rule).</summary>
    public override byte[] LocalWeight(string value, TextCollation? collation) =>
        System.Text.Encoding.UTF8.GetBytes(collation?.CaseInsensitive == true
            ? string.Create(value.Length, value, (span, v) =>
            {
                for (var i = 0; i < v.Length; i++)
                {
                    span[i] = v[i] is >= 'A' and <= 'Z' ? (char)(v[i] + 32) : v[i];
                }
            })
            : value);
}
