using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using Migration.Domain;
using Migration.Domain.Tables;
using Migration.Infrastructure.Data;

namespace Migration.Infrastructure.Validation;

/// <summary>A row as read from one side: its key, and its compared columns' values in <see cref="TableSpec.Columns"/> order (null for SQL NULL).</summary>
internal sealed record SideRow(RowKey Key, object?[] Values);

/// <summary>A row with every column of its side (the ones the run does not compare too), as the repair inserts it.</summary>
internal sealed record WholeRow(IReadOnlyList<string> Columns, object?[] Values);

/// <summary>
/// What one read found for each key asked for, by the key's position: its row (with the whole row when asked), or
/// <see cref="Ambiguous"/> when the server's key equality could not be matched to one asked key alone (two asked keys
/// the collation calls equal, or a text key the engine compares in a way not reproduced here).
/// </summary>
internal sealed record KeyedRows(SideRow?[] Rows, WholeRow?[] Whole, bool[] Ambiguous);

/// <summary>Keys after <see cref="After"/> (exclusive; null: from the first) up to <see cref="UpTo"/> (inclusive; null: to the last).</summary>
internal sealed record KeyRange(RowKey? After, RowKey? UpTo);

/// <summary>
/// The reads of validation and repair, for any table and key: keyset pages, lookups by key, version walks, chunk
/// boundaries and checksums. Every statement comes from the side's <see cref="SqlDialect"/> and <see cref="KeySql"/>;
/// this class binds and maps.
/// </summary>
internal sealed class RowReader(SideDatabases databases)
{
    /// <summary>Up to <paramref name="limit"/> rows after <paramref name="after"/> (from the first when null), by key.</summary>
    public Task<List<SideRow>> ReadAfterAsync(TableSpec table, Direction side, RowKey? after, int limit, CancellationToken cancellationToken) =>
        QueryRowsAsync(table, side, command => after is null ? "1 = 1" : KeySql.After(table, after, "a", command),
            $"ORDER BY {KeySql.Columns(table)} LIMIT {limit.ToString(CultureInfo.InvariantCulture)}", cancellationToken);

    /// <summary>The rows with these keys that exist on the side.</summary>
    public async Task<Dictionary<RowKey, SideRow>> ReadByKeysAsync(
        TableSpec table, Direction side, IReadOnlyCollection<RowKey> keys, CancellationToken cancellationToken)
    {
        var result = new Dictionary<RowKey, SideRow>();
        // Bounded statements: a key list becomes parameters, and a composite key several per key.
        foreach (var chunk in keys.Chunk(Math.Max(1, 1_000 / table.Key.Count)))
        {
            var rows = await QueryRowsAsync(table, side, command => KeySql.In(table, chunk, "k", command), "", cancellationToken);
            foreach (var row in rows)
            {
                result[row.Key] = row;
            }
        }

        return result;
    }

    /// <summary>
    /// The rows with these keys, in one statement, by the position of the key asked for (the batch repair). With
    /// <paramref name="whole"/>, each row also with every column of the side. A row is matched to the keys asked for as
    /// the server compares them: locally where the read's own key order is computed here (integers, binary, SQLite's
    /// text), else by the server itself, which says for each row which of the keys it equals.
    /// </summary>
    public async Task<KeyedRows> ReadEachAsync(TableSpec table, Direction side, IReadOnlyList<RowKey> keys, bool whole, CancellationToken cancellationToken)
    {
        var db = databases[side];
        var result = new KeyedRows(new SideRow?[keys.Count], new WholeRow?[keys.Count], new bool[keys.Count]);
        if (keys.Count == 0)
        {
            return result;
        }

        var text = table.Key.Where(k => k.Kind == ColumnKind.Text).ToArray();
        var serverMatch = text.Any(k => db.Dialect.KeyWeight(k) is not null);
        if (!serverMatch && text.Any(k => k.Collation is { } c && c.Name is not ("BINARY" or "NOCASE")))
        {
            // A collation whose equality is not reproduced here (SQLite's RTRIM): leave these keys to the row path.
            Array.Fill(result.Ambiguous, true);
            return result;
        }

        await using var connection = await db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        var predicate = KeySql.In(table, keys, "k", command);
        var match = serverMatch ? ", " + db.Dialect.MatchingKeys(table, keys.Count, "k") : "";
        command.CommandText = $"SELECT {db.Dialect.RowSelectList(table)}{match}{(whole ? $", {SqlDialect.Quote(table.Name)}.*" : "")} " +
            $"FROM {SqlDialect.Quote(table.Name)} WHERE {SqlDialect.Filter(table)} AND {predicate}";
        var local = serverMatch ? null : LocalPositions(table, db.Dialect, keys, result.Ambiguous);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var key = new KeyColumns(table, db.Dialect);
        var first = key.Width;
        var rest = first + table.Columns.Count + (serverMatch ? 1 : 0);
        while (await reader.ReadAsync(cancellationToken))
        {
            var values = new object?[table.Columns.Count];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = reader.IsDBNull(first + i) ? null : reader.GetValue(first + i);
            }

            var row = new SideRow(key.Read(reader), values);
            int[] positions = serverMatch
                ? reader.GetString(first + values.Length).Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray()
                : local!.TryGetValue(row.Key, out var found) ? found.ToArray() : [];
            if (positions.Length != 1 || result.Rows[positions[0]] is not null)
            {
                // Two keys asked for are one row to the server (or a row no key claims): none of them is decided here.
                foreach (var p in positions)
                {
                    result.Ambiguous[p] = true;
                }

                continue;
            }

            result.Rows[positions[0]] = row;
            if (whole)
            {
                result.Whole[positions[0]] = new WholeRow(
                    Enumerable.Range(rest, reader.FieldCount - rest).Select(reader.GetName).ToArray(),
                    Enumerable.Range(rest, reader.FieldCount - rest).Select(i => reader.IsDBNull(i) ? null : reader.GetValue(i)).ToArray());
            }
        }

        return result;
    }

    /// <summary>The asked keys by the order this side's reads give their rows; keys asked twice are marked ambiguous.</summary>
    private static Dictionary<RowKey, List<int>> LocalPositions(TableSpec table, SqlDialect dialect, IReadOnlyList<RowKey> keys, bool[] ambiguous)
    {
        var positions = new Dictionary<RowKey, List<int>>();
        for (var i = 0; i < keys.Count; i++)
        {
            var order = table.Key.Select((k, c) => k.Kind == ColumnKind.Text
                ? dialect.LocalWeight((string)keys[i].Values[c]!, k.Collation)
                : keys[i].Values[c]!).ToArray();
            var local = new RowKey(table.Key.Select(k => k.Name).ToArray(), keys[i].Values.ToArray(), order);
            if (positions.TryGetValue(local, out var list))
            {
                list.Add(i);
                foreach (var p in list)
                {
                    ambiguous[p] = true;
                }
            }
            else
            {
                positions[local] = [i];
            }
        }

        return positions;
    }

    /// <summary>The row with this key with every column of the side (the ones the run does not compare too), or null.</summary>
    public async Task<(IReadOnlyList<string> Columns, object?[] Values)?> ReadWholeRowAsync(
        TableSpec table, Direction side, RowKey key, CancellationToken cancellationToken)
    {
        await using var connection = await databases[side].OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT * FROM {SqlDialect.Quote(table.Name)} WHERE {KeySql.Equal(table, key, "k", command)}";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToArray();
        var values = Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? null : reader.GetValue(i)).ToArray();
        return (columns, values);
    }

    /// <summary>
    /// Up to <paramref name="limit"/> rows in (version, key) order after (<paramref name="version"/>,
    /// <paramref name="after"/>) — at <paramref name="version"/> or later when <paramref name="after"/> is null.
    /// </summary>
    /// <param name="upTo">Read only rows whose version is at most this (a trailing cursor's horizon); null: no bound.</param>
    public Task<List<SideRow>> ReadChangedAfterAsync(
        TableSpec table, Direction side, object version, RowKey? after, int limit, CancellationToken cancellationToken, object? upTo = null)
    {
        var v = SqlDialect.Quote(table.Version!.Column.Name);
        return QueryRowsAsync(table, side, command =>
            {
                AddParameter(command, "@v", version);
                var bound = "";
                if (upTo is not null)
                {
                    AddParameter(command, "@upto", upTo);
                    bound = $" AND {v} <= @upto";
                }

                // "v >= x AND (v > x OR (v = x AND key > k))" keeps a plain range on a (version, key) index.
                return (after is null ? $"{v} >= @v" : $"{v} >= @v AND ({v} > @v OR ({v} = @v AND {KeySql.After(table, after, "a", command)}))") + bound;
            },
            $"ORDER BY {v}, {KeySql.Columns(table)} LIMIT {limit.ToString(CultureInfo.InvariantCulture)}", cancellationToken);
    }

    /// <summary>The rows of the given key ranges, by key.</summary>
    public Task<List<SideRow>> ReadRangesAsync(TableSpec table, Direction side, IReadOnlyList<KeyRange> ranges, CancellationToken cancellationToken) =>
        QueryRowsAsync(table, side, command => Ranges(table, ranges, command), $"ORDER BY {KeySql.Columns(table)}", cancellationToken);

    /// <summary>
    /// The engine's estimate of the side's row count, from the statistics on MySQL (a COUNT(*) would scan the table),
    /// exact on SQLite.
    /// </summary>
    public async Task<long> EstimateRowsAsync(TableSpec table, Direction side, CancellationToken cancellationToken)
    {
        var db = databases[side];
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = db.Provider == Options.DatabaseProvider.MySql
            ? "SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = @t"
            : $"SELECT COUNT(*) FROM {SqlDialect.Quote(table.Name)} WHERE @t IS NOT NULL AND {SqlDialect.Filter(table)}";
        AddParameter(command, "@t", table.Name);
        var estimate = await command.ExecuteScalarAsync(cancellationToken);
        return estimate is null or DBNull ? 0 : Convert.ToInt64(estimate, CultureInfo.InvariantCulture);
    }

    /// <summary>The smallest and largest key of a single-integer-key table on the side, or nulls when it is empty.</summary>
    public async Task<(long? Min, long? Max)> ReadIntegerBoundsAsync(TableSpec table, Direction side, CancellationToken cancellationToken)
    {
        var key = SqlDialect.Quote(table.Key[0].Name);
        await using var connection = await databases[side].OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT MIN({key}), MAX({key}) FROM {SqlDialect.Quote(table.Name)} WHERE {SqlDialect.Filter(table)}";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) && !reader.IsDBNull(0)
            ? (Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture), Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture))
            : (null, null);
    }

    /// <summary>The smallest key of a single-integer-key table at or after <paramref name="from"/> on the side, or null.</summary>
    public async Task<long?> ReadNextIntegerKeyAsync(TableSpec table, Direction side, long from, CancellationToken cancellationToken)
    {
        var key = SqlDialect.Quote(table.Key[0].Name);
        await using var connection = await databases[side].OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT MIN({key}) FROM {SqlDialect.Quote(table.Name)} WHERE {key} >= @a AND {SqlDialect.Filter(table)}";
        AddParameter(command, "@a", from);
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is null or DBNull ? null : Convert.ToInt64(value, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Every <paramref name="step"/>-th key of the side after <paramref name="after"/>, at most <paramref name="count"/>
    /// of them: one short index walk per boundary, each from the one before, on one connection.
    /// </summary>
    public async Task<List<RowKey>> ReadBoundariesAsync(
        TableSpec table, Direction side, RowKey? after, int step, int count, CancellationToken cancellationToken)
    {
        var db = databases[side];
        await using var connection = await db.OpenAsync(cancellationToken);
        var keys = new List<RowKey>();
        while (keys.Count < count)
        {
            var from = keys.Count > 0 ? keys[^1] : after;
            await using var command = connection.CreateCommand();
            command.CommandText = db.Dialect.Boundary(table, from is null ? "1 = 1" : KeySql.After(table, from, "a", command), step);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                break;
            }

            keys.Add(new KeyColumns(table, db.Dialect).Read(reader));
        }

        return keys;
    }

    /// <summary>
    /// Row count and XOR of row checksums of each range, computed by the server: one statement per range, all sent at
    /// once (plain range scans of the key; a GROUP BY would cost a temporary table update per row). Null for an empty range.
    /// </summary>
    public async Task<(long Count, long Checksum)?[]> ReadChunkChecksumsAsync(
        TableSpec table, Direction side, IReadOnlyList<KeyRange> ranges, CancellationToken cancellationToken)
    {
        var db = databases[side];
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        var checksum = Checksum(table, db);
        var sql = new System.Text.StringBuilder();
        for (var i = 0; i < ranges.Count; i++)
        {
            sql.Append(CultureInfo.InvariantCulture, $"SELECT COUNT(*), BIT_XOR({checksum}) FROM {SqlDialect.Quote(table.Name)} ")
                .Append("WHERE ").Append(SqlDialect.Filter(table)).Append(" AND ").Append(Range(table, ranges[i], $"r{i}", command)).Append(';');
        }

        command.CommandText = sql.ToString();
        var result = new (long, long)?[ranges.Count];
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        for (var i = 0; i < ranges.Count; i++)
        {
            if (await reader.ReadAsync(cancellationToken) && reader.GetInt64(0) > 0)
            {
                result[i] = (reader.GetInt64(0), unchecked((long)reader.GetFieldValue<ulong>(1)));
            }

            await reader.NextResultAsync(cancellationToken);
        }

        return result;
    }

    /// <summary>
    /// Key and row checksum of every row in the ranges, by key, as the server sends them: a segment's rows are merged
    /// as they arrive (<see cref="Merge.SuspectsAsync{T}"/>), never held, so they die young and memory stays flat.
    /// </summary>
    public IAsyncEnumerable<(RowKey Key, long Checksum)> ReadRowChecksumsAsync(
        TableSpec table, Direction side, IReadOnlyList<KeyRange> ranges, CancellationToken cancellationToken) =>
        ReadChecksumRowsAsync(table, side, ranges, (reader, key) => (key.Read(reader), ChecksumAt(reader, key.Width)), cancellationToken);

    /// <summary>
    /// As <see cref="ReadRowChecksumsAsync"/> for a table whose key is one signed integer: the key as a <c>long</c>, so
    /// the merge compares numbers and builds a <see cref="RowKey"/> only for the rows that differ.
    /// </summary>
    public IAsyncEnumerable<(long Id, long Checksum)> ReadIntegerRowChecksumsAsync(
        TableSpec table, Direction side, IReadOnlyList<KeyRange> ranges, CancellationToken cancellationToken) =>
        ReadChecksumRowsAsync(table, side, ranges, (reader, key) => (reader.GetInt64(0), ChecksumAt(reader, key.Width)), cancellationToken);

    private async IAsyncEnumerable<T> ReadChecksumRowsAsync<T>(
        TableSpec table, Direction side, IReadOnlyList<KeyRange> ranges, Func<DbDataReader, KeyColumns, T> read,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var db = databases[side];
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        var checksum = Checksum(table, db);
        command.CommandText = $"SELECT {db.Dialect.KeySelectList(table)}, {checksum} FROM {SqlDialect.Quote(table.Name)} " +
            $"WHERE {SqlDialect.Filter(table)} AND ({Ranges(table, ranges, command)}) ORDER BY {KeySql.Columns(table)}";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var key = new KeyColumns(table, db.Dialect);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return read(reader, key);
        }
    }

    private static long ChecksumAt(DbDataReader reader, int ordinal) => unchecked((long)reader.GetFieldValue<ulong>(ordinal));

    /// <summary>Whether the server of each side computes row checksums for this table (the chunked full run needs both).</summary>
    public bool CanChecksum(TableSpec table) =>
        databases[Direction.Src].Dialect.RowChecksum(table, false) is not null && databases[Direction.Dst].Dialect.RowChecksum(table, false) is not null;

    private static string Checksum(TableSpec table, SideDatabase db) =>
        db.Dialect.RowChecksum(table, db.IsMariaDb) ?? throw new NotSupportedException($"{db.Provider} computes no row checksum.");

    private static string Ranges(TableSpec table, IReadOnlyList<KeyRange> ranges, DbCommand command) =>
        string.Join(" OR ", ranges.Select((r, i) => $"({Range(table, r, $"g{i}", command)})"));

    private static string Range(TableSpec table, KeyRange range, string name, DbCommand command) =>
        (range.After, range.UpTo) switch
        {
            (null, null) => "1 = 1",
            (null, { } upTo) => KeySql.UpTo(table, upTo, name + "u", command),
            ({ } after, null) => KeySql.After(table, after, name + "a", command),
            ({ } after, { } upTo) => $"{KeySql.After(table, after, name + "a", command)} AND {KeySql.UpTo(table, upTo, name + "u", command)}",
        };

    private async Task<List<SideRow>> QueryRowsAsync(
        TableSpec table, Direction side, Func<DbCommand, string> predicate, string tail, CancellationToken cancellationToken)
    {
        var db = databases[side];
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {db.Dialect.RowSelectList(table)} FROM {SqlDialect.Quote(table.Name)} " +
            $"WHERE {SqlDialect.Filter(table)} AND {predicate(command)} {tail}";
        var rows = new List<SideRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var key = new KeyColumns(table, db.Dialect);
        var first = key.Width;
        while (await reader.ReadAsync(cancellationToken))
        {
            var values = new object?[table.Columns.Count];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = reader.IsDBNull(first + i) ? null : reader.GetValue(first + i);
            }

            rows.Add(new SideRow(key.Read(reader), values));
        }

        return rows;
    }

    /// <summary>
    /// Reads keys from the first columns of a result (<see cref="SqlDialect.KeySelectList"/>). What depends only on the
    /// table (names, which columns carry a server weight) is worked out once per statement, not once per row: a full
    /// run reads millions of keys, and their garbage is most of its work on the client.
    /// </summary>
    private sealed class KeyColumns
    {
        private readonly TableSpec _table;
        private readonly SqlDialect _dialect;
        private readonly string[] _names;
        private readonly bool[] _serverWeight;

        public KeyColumns(TableSpec table, SqlDialect dialect)
        {
            (_table, _dialect) = (table, dialect);
            _names = table.Key.Select(k => k.Name).ToArray();
            _serverWeight = table.Key.Select(k => dialect.KeyWeight(k) is not null).ToArray();
            Width = _names.Length + _serverWeight.Count(w => w);
        }

        /// <summary>The columns a key takes in a result: the key columns and the server's weights.</summary>
        public int Width { get; }

        public RowKey Read(DbDataReader reader)
        {
            var count = _names.Length;
            var values = new object?[count];
            var order = new object[count];
            var weight = count;
            for (var i = 0; i < count; i++)
            {
                var column = _table.Key[i];
                var raw = reader.GetValue(i);
                switch (column.Kind)
                {
                    case ColumnKind.Integer:
                        values[i] = order[i] = raw is long ? raw : Convert.ToInt64(raw, CultureInfo.InvariantCulture);
                        break;
                    case ColumnKind.UnsignedInteger:
                        values[i] = order[i] = raw is ulong ? raw : Convert.ToUInt64(raw, CultureInfo.InvariantCulture);
                        break;
                    case ColumnKind.Binary:
                        values[i] = order[i] = (byte[])raw;
                        break;
                    default:
                        var text = raw as string ?? Convert.ToString(raw, CultureInfo.InvariantCulture)!;
                        values[i] = text;
                        order[i] = _serverWeight[i] ? (byte[])reader.GetValue(weight++) : _dialect.LocalWeight(text, column.Collation);
                        break;
                }
            }

            return new RowKey(_names, values, order);
        }
    }

    private static void AddParameter(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }
}
