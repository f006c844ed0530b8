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
    /// Sets the compared columns (<c>@c0</c>, <c>@c1</c>… in <see cref="TableSpec.Columns"/> order) of the row matching
    /// <paramref name="keyPredicate"/>. With a version column, only where the row's version is not newer than the
    /// incoming one (<c>@cv</c>) or not newer than <c>@confirmed</c> (the repair's guard,
    /// <see cref="Domain.Repair.RepairRule"/>): a row written after that is left as it is.
    /// </summary>
    public static string GuardedUpdate(TableSpec table, string keyPredicate)
    {
        var sets = string.Join(", ", table.Columns.Select((c, i) => $"{Quote(c.Name)} = @c{i}"));
        var guard = table.Version is { } v ? $" AND ({Quote(v.Column.Name)} <= @cv OR {Quote(v.Column.Name)} <= @confirmed)" : "";
        return $"UPDATE {Quote(table.Name)} SET {sets} WHERE {keyPredicate}{guard}";
    }

    /// <summary>Inserts a row with these columns (<c>@p0</c>, <c>@p1</c>…): the base row whole, ignored columns included.</summary>
    public static string Insert(string table, IReadOnlyList<string> columns) => InsertPrefix(table, columns);

    /// <summary>Deletes the row matching <paramref name="keyPredicate"/>, unless its version is newer than <c>@confirmed</c>.</summary>
    public static string GuardedDelete(TableSpec table, string keyPredicate) =>
        $"DELETE FROM {Quote(table.Name)} WHERE {keyPredicate}" +
        (table.Version is { } v ? $" AND {Quote(v.Column.Name)} <= @confirmed" : "");

    /// <summary>
    /// A column that lists, comma-separated, the positions of the keys <c>@{name}…</c> (bound by <see cref="KeySql.In"/>)
    /// that the row's key equals as the server compares them; for engines whose text key order is not computed locally.
    /// </summary>
    public virtual string MatchingKeys(TableSpec table, int count, string name) =>
        throw new NotSupportedException("Key positions are matched locally on this engine.");

    /// <summary>The name of the batch's rows in the multi-row statements of the batch repair.</summary>
    private protected const string BatchName = "migration_batch";

    /// <summary>The column of each batch row that carries its own guard time (the row path's <c>@confirmed</c>).</summary>
    private protected const string GuardName = "migration_guard";

    /// <summary>
    /// The batch repair's copy: one statement that writes whole base rows (<paramref name="columns"/>, bound as
    /// <c>@u{row}_{column}</c>, with each row's guard time as <c>@u{row}_g</c>) to the other side. A missing row is
    /// inserted whole; an existing one has its compared columns set under the same guard as <see cref="GuardedUpdate"/>,
    /// each row with its own <c>@confirmed</c>, and only when the row it collides with has the same key: a row the guard
    /// refuses is left exactly as it is, for the verification read to find.
    /// </summary>
    public abstract string GuardedUpsert(TableSpec table, IReadOnlyList<string> columns, IReadOnlyList<(object?[] Values, object? Guard)> rows, DbCommand command);

    /// <summary>
    /// The batch repair's delete: every row with one of the keys, each unless its version is newer than its own guard
    /// time (as <see cref="GuardedDelete"/> for one row), in one statement.
    /// </summary>
    public static string GuardedDeleteMany(TableSpec table, IReadOnlyList<(RowKey Key, object? Guard)> rows, DbCommand command)
    {
        var sql = new StringBuilder("DELETE FROM ").Append(Quote(table.Name)).Append(" WHERE ");
        for (var i = 0; i < rows.Count; i++)
        {
            sql.Append(i == 0 ? "(" : " OR (");
            for (var c = 0; c < table.Key.Count; c++)
            {
                sql.Append(c == 0 ? "" : " AND ").Append(Quote(table.Key[c].Name)).Append(" = @d").Append(i).Append('_').Append(c);
                AddParameter(command, $"@d{i}_{c}", rows[i].Key.Values[c]);
            }

            if (table.Version is { } v)
            {
                sql.Append(" AND ").Append(Quote(v.Column.Name)).Append(" <= @d").Append(i).Append("_g");
                AddParameter(command, $"@d{i}_g", rows[i].Guard);
            }

            sql.Append(')');
        }

        return sql.ToString();
    }

    /// <summary>
    /// Binds the batch rows as <c>@u{row}_{column}</c> and <c>@u{row}_g</c>, and returns the compared columns to set on
    /// a row that exists, the version column last (MySQL assigns in order, and every guard must see the old version).
    /// </summary>
    private protected static List<string> BindBatch(TableSpec table, IReadOnlyList<string> columns, IReadOnlyList<(object?[] Values, object? Guard)> rows, DbCommand command)
    {
        for (var r = 0; r < rows.Count; r++)
        {
            for (var c = 0; c < columns.Count; c++)
            {
                AddParameter(command, $"@u{r}_{c}", rows[r].Values[c]);
            }

            AddParameter(command, $"@u{r}_g", rows[r].Guard);
        }

        var sets = table.Columns.Where(c => c.Name != table.Version?.Column.Name).Select(c => c.Name).ToList();
        if (table.Version is { } version)
        {
            sets.Add(version.Column.Name);
        }

        return sets;
    }

    /// <summary>The table's filter as a condition (<c>1 = 1</c> without one), to AND with the run's own predicates.</summary>
    public static string Filter(TableSpec table) => table.Where is { } where ? $"({where})" : "1 = 1";

    /// <summary>
    /// The select list of a whole row: the key columns, then the sort weight of each text key column where the server
    /// computes it (<see cref="KeyWeight"/>), then the compared columns.
    /// </summary>
    public string RowSelectList(TableSpec table) => string.Join(", ",
        table.Key.Select(k => Quote(k.Name))
            .Concat(table.Key.Select(KeyWeight).OfType<string>())
            .Concat(table.Columns.Select(c => Quote(c.Name))));

    /// <summary>The key columns and their server-side sort weights: the select list of a row's identity.</summary>
    public string KeySelectList(TableSpec table) => string.Join(", ",
        table.Key.Select(k => Quote(k.Name)).Concat(table.Key.Select(KeyWeight).OfType<string>()));

    /// <summary>
    /// An expression whose bytes order a text key column as its collation does (MySQL's <c>WEIGHT_STRING</c>), or null
    /// when the weight is computed here instead (<see cref="LocalWeight"/>) or the column is not text.
    /// </summary>
    public virtual string? KeyWeight(ColumnSpec column) => null;

    /// <summary>The sort weight of a text key value, computed here for engines whose server does not give it.</summary>
    public virtual byte[] LocalWeight(string value, TextCollation? collation) => System.Text.Encoding.UTF8.GetBytes(value);

    /// <summary>
    /// The <paramref name="step"/>-th key after <paramref name="afterPredicate"/> (a condition on the key, or
    /// <c>1 = 1</c>), walking the primary key: one chunk boundary of the checksum pass for keys that are not a single
    /// integer (pt-table-checksum's nibbling). The server skips <c>step - 1</c> index entries of a range scan; a
    /// window function numbering the rows instead would number and sort every remaining row of the table on each call.
    /// </summary>
    public string Boundary(TableSpec table, string afterPredicate, int step) => string.Create(CultureInfo.InvariantCulture,
        $"SELECT {KeySelectList(table)} FROM {Quote(table.Name)} WHERE {Filter(table)} AND {afterPredicate} ORDER BY {KeySql.Columns(table)} LIMIT {step - 1}, 1");

    /// <summary>
    /// The server's checksum of a whole row under the table's comparison rules (an unsigned integer), or null where the
    /// engine has none: then full runs compare whole rows. See <see cref="MySqlDialect.RowChecksum(TableSpec, bool)"/>.
    /// </summary>
    /// <param name="mariaDb">The server is MariaDB, whose JSON functions differ from MySQL's.</param>
    public virtual string? RowChecksum(TableSpec table, bool mariaDb) => null;


    /// <summary>The write fence of a side (see <see cref="DoubleWrite.WriteFence"/>): one row naming the side that assigns ids.</summary>
    public string CreateFenceTable =>
        "CREATE TABLE IF NOT EXISTS `migration_fence` (`id` INT NOT NULL PRIMARY KEY, `primary_side` VARCHAR(3) NOT NULL, `changed_at` BIGINT NOT NULL)";

    /// <summary>The write journal of a side (see <see cref="Journal.WriteJournal"/>), with its indexes.</summary>
    public abstract string CreateJournalTable { get; }

    /// <summary>Deletes up to <paramref name="batch"/> journal entries with <c>seq</c> at most <c>@upTo</c> and <c>at_ms</c> before <c>@before</c>.</summary>
    public abstract string TrimJournal(int batch);

    /// <summary>
    /// A change-capture trigger (docs/journal.md) on <paramref name="table"/> for <paramref name="op"/> (<c>I</c>,
    /// <c>U</c>, <c>D</c>): appends the row's key, in <see cref="Journal.JournalKey"/>'s form, to the journal with origin
    /// <c>trigger</c>; an update that changes the key records the old key too (as a delete).
    /// </summary>
    public string CreateJournalTrigger(TableSpec table, string name, char op)
    {
        var (timing, row) = op switch { 'I' => ("INSERT", "NEW"), 'U' => ("UPDATE", "NEW"), _ => ("DELETE", "OLD") };
        var columns = "INSERT INTO `migration_journal` (`table_name`, `row_key`, `op`, `at_ms`, `origin`)";
        var tableName = $"'{table.Name.Replace("'", "''", StringComparison.Ordinal)}'";
        var entry = $"SELECT {tableName}, {JournalKeyOf(table, row)}, '{op}', {NowMs}, 'trigger'";
        var body = op != 'U' ? $"{columns} {entry}"
            : $"{columns} {entry} UNION ALL SELECT {tableName}, {JournalKeyOf(table, "OLD")}, 'D', {NowMs}, 'trigger' {FromNothing} WHERE NOT ("
                + string.Join(" AND ", table.Key.Select(k => SameValue($"OLD.{Quote(k.Name)}", $"NEW.{Quote(k.Name)}"))) + ")";
        return TriggerStatement(Quote(name), timing, Quote(table.Name), body);
    }

    /// <summary>The key of the trigger's <paramref name="row"/> (<c>NEW</c> or <c>OLD</c>) as <see cref="Domain.Tables.RowKey.ToText"/> writes it.</summary>
    private string JournalKeyOf(TableSpec table, string row)
    {
        string Value(ColumnSpec c) => c.Kind == ColumnKind.Binary ? HexText($"{row}.{Quote(c.Name)}") : $"{row}.{Quote(c.Name)}";
        if (table.Key is [var single])
        {
            return single.Kind is ColumnKind.Integer or ColumnKind.UnsignedInteger ? IntegerText($"{row}.{Quote(single.Name)}") : JsonQuote(Value(single));
        }

        return JsonObject(string.Join(", ", table.Key.Select(k => $"'{k.Name.Replace("'", "''", StringComparison.Ordinal)}', {Value(k)}")));
    }

    /// <summary>The current time in ms since the epoch, evaluated when the trigger runs.</summary>
    private protected abstract string NowMs { get; }

    /// <summary>What a <c>SELECT</c> with a <c>WHERE</c> but no table needs (<c>FROM DUAL</c> on MySQL).</summary>
    private protected abstract string FromNothing { get; }

    private protected abstract string SameValue(string a, string b);

    private protected abstract string IntegerText(string expression);

    private protected abstract string HexText(string expression);

    private protected abstract string JsonQuote(string expression);

    private protected abstract string JsonObject(string pairs);

    private protected abstract string TriggerStatement(string name, string timing, string table, string body);

    /// <summary>Two columns, one row: table and name of every <c>migration_*</c> trigger of the connection's database.</summary>
    public abstract string ListJournalTriggers { get; }

    /// <summary>Drops the named trigger where it exists.</summary>
    public static string DropTrigger(string name) => $"DROP TRIGGER IF EXISTS {Quote(name)}";

    /// <summary>True when <paramref name="exception"/> is the server refusing the statement for lack of a privilege.</summary>
    public virtual bool IsPrivilegeDenied(Exception exception) => false;

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

    /// <summary>True when <paramref name="exception"/> (or what it wraps) is the engine refusing a duplicate primary or unique key.</summary>
    public abstract bool IsDuplicateKey(Exception exception);

    private protected static void AddParameter(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }

    private protected static async Task<IReadOnlyList<string>> ReadStringsAsync(DbConnection connection, string sql, string? table, CancellationToken cancellationToken)
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

    private protected static string InsertPrefix(string table, IReadOnlyList<string> columns)
    {
        var sql = new StringBuilder("INSERT INTO ").Append(Quote(table)).Append(" (");
        sql.AppendJoin(", ", columns.Select(Quote)).Append(") VALUES (");
        sql.AppendJoin(", ", columns.Select((_, i) => $"@p{i}")).Append(')');
        return sql.ToString();
    }
}
