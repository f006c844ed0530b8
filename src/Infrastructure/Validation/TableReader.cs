using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using Migration.Domain;
using Migration.Domain.Runs;
using Migration.Infrastructure.Data;
using Migration.Infrastructure.Options;

namespace Migration.Infrastructure.Validation;

/// <summary>The keyset queries of validation and repair, one query per call, on either side.</summary>
internal sealed class TableReader(SideDatabases databases, IOptions<MigrationOptions> options)
{
    private readonly string _table = options.Value.Table;
    private volatile TableSchema? _schema;

    /// <summary>The schema read by the last <see cref="RefreshSchemaAsync"/>, reading it first if needed.</summary>
    public async Task<TableSchema> GetSchemaAsync(CancellationToken cancellationToken) =>
        _schema ?? await RefreshSchemaAsync(cancellationToken);

    /// <summary>
    /// Reads the columns of both sides and checks they can be compared: both have the same columns, among them
    /// <c>id</c>, an integer of at most 64 bits (every cursor, range and chunk is a <see cref="long"/>), and <c>utime</c>.
    /// </summary>
    /// <exception cref="TableShapeException">The table cannot be compared; the exception names the column at fault.</exception>
    public async Task<TableSchema> RefreshSchemaAsync(CancellationToken cancellationToken)
    {
        var (source, numeric, sourceNullable, sourceIntegers) = await ReadColumnsAsync(Direction.Src, cancellationToken);
        var (target, _, targetNullable, targetIntegers) = await ReadColumnsAsync(Direction.Dst, cancellationToken);
        foreach (var (side, columns, integers) in new[] { (Direction.Src, source, sourceIntegers), (Direction.Dst, target, targetIntegers) })
        {
            if (new[] { TableSchema.KeyColumn, TableSchema.UtimeColumn }.FirstOrDefault(c => !columns.Contains(c)) is { } missing)
            {
                throw new TableShapeException(
                    $"Table '{_table}' on {side.ToWire()} needs the columns '{TableSchema.KeyColumn}' and '{TableSchema.UtimeColumn}'; it has: {string.Join(", ", columns)}.",
                    _table, missing, side);
            }

            if (!integers.Contains(TableSchema.KeyColumn))
            {
                throw new TableShapeException(
                    $"Table '{_table}' on {side.ToWire()} has a key column '{TableSchema.KeyColumn}' that is not an integer of at most 64 bits; "
                    + "only such keys can be validated.",
                    _table, TableSchema.KeyColumn, side);
            }
        }

        if (!source.ToHashSet(StringComparer.OrdinalIgnoreCase).SetEquals(target))
        {
            throw new TableShapeException(
                $"Table '{_table}' has different columns on the two sides: SRC ({string.Join(", ", source)}), DST ({string.Join(", ", target)}).",
                _table, source.Concat(target).FirstOrDefault(c => !source.Contains(c, StringComparer.OrdinalIgnoreCase) || !target.Contains(c, StringComparer.OrdinalIgnoreCase)));
        }

        var compared = source.Where(c => !c.Equals(TableSchema.KeyColumn, StringComparison.OrdinalIgnoreCase)).ToArray();
        var schema = new TableSchema(
            _table,
            compared,
            Array.FindIndex(compared, c => c.Equals(TableSchema.UtimeColumn, StringComparison.OrdinalIgnoreCase)),
            compared.Where(c => !numeric.Contains(c)).ToHashSet(),
            compared.Where(c => sourceNullable.Contains(c) || targetNullable.Contains(c)).ToHashSet(),
            sourceIntegers.Contains(TableSchema.UtimeColumn) && targetIntegers.Contains(TableSchema.UtimeColumn));
        _schema = schema;
        return schema;
    }

    /// <summary>Up to <paramref name="limit"/> rows with <c>id &gt; afterId</c>, by id; from the first id when <paramref name="afterId"/> is null.</summary>
    public Task<List<Row>> ReadAfterIdAsync(TableSchema schema, Direction side, long? afterId, int limit, CancellationToken cancellationToken) =>
        afterId is { } after
            ? QueryAsync(schema, side, $"WHERE {Id} > @a ORDER BY {Id} LIMIT {limit}", [after], cancellationToken)
            : QueryAsync(schema, side, $"ORDER BY {Id} LIMIT {limit}", [], cancellationToken);

    /// <summary>
    /// Up to <paramref name="limit"/> rows after <paramref name="after"/> in <c>(utime, id)</c> order; when
    /// <paramref name="wholeUtime"/> (the walk has read no row of that utime yet), every row at its utime or later.
    /// </summary>
    public Task<List<Row>> ReadChangedAfterAsync(
        TableSchema schema, Direction side, RowCursor after, bool wholeUtime, int limit, CancellationToken cancellationToken) =>
        wholeUtime
            ? QueryAsync(schema, side, $"WHERE {Utime} >= @a ORDER BY {Utime}, {Id} LIMIT {limit}", [after.Utime], cancellationToken)
            // "utime >= u AND (utime > u OR id > i)" keeps a plain range on the (utime, id) index on both engines.
            : QueryAsync(schema, side, $"WHERE {Utime} >= @a AND ({Utime} > @a OR {Id} > @b) ORDER BY {Utime}, {Id} LIMIT {limit}",
                [after.Utime, after.Id], cancellationToken);

    /// <summary>The rows with these ids that exist on the side.</summary>
    public async Task<Dictionary<long, Row>> ReadByIdsAsync(TableSchema schema, Direction side, IReadOnlyCollection<long> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        // Ids are integers, so they are written inline: one statement whatever the count, no parameter limit.
        var list = new StringBuilder().AppendJoin(',', ids.Select(id => id.ToString(CultureInfo.InvariantCulture)));
        var rows = await QueryAsync(schema, side, $"WHERE {Id} IN ({list})", [], cancellationToken);
        return rows.ToDictionary(r => r.Id);
    }

    /// <summary>Whether both engines compute row checksums, which the chunked full run needs.</summary>
    public bool CanChecksum => databases[Direction.Src].Dialect.HasRowChecksum && databases[Direction.Dst].Dialect.HasRowChecksum;

    /// <summary>The smallest id at or after <paramref name="from"/> on the side, or null.</summary>
    public async Task<long?> ReadNextIdAsync(TableSchema schema, Direction side, long from, CancellationToken cancellationToken)
    {
        await using var connection = await databases[side].OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT MIN({Id}) FROM {SqlDialect.Quote(schema.Table)} WHERE {Id} >= @a";
        AddParameters(command, [from]);
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is null or DBNull ? null : Convert.ToInt64(value, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The engine's estimate of the side's row count, from the statistics on MySQL (a COUNT(*) would scan the
    /// table), exact on SQLite.
    /// </summary>
    public async Task<long> EstimateRowsAsync(TableSchema schema, Direction side, CancellationToken cancellationToken)
    {
        await using var connection = await databases[side].OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = databases[side].Dialect.HasRowChecksum
            ? "SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = @a"
            : $"SELECT COUNT(*) FROM {SqlDialect.Quote(schema.Table)} WHERE @a IS NOT NULL";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@a";
        parameter.Value = schema.Table;
        command.Parameters.Add(parameter);
        var estimate = await command.ExecuteScalarAsync(cancellationToken);
        return estimate is null or DBNull ? 0 : Convert.ToInt64(estimate, CultureInfo.InvariantCulture);
    }

    /// <summary>The smallest and largest id on the side, or nulls when it is empty.</summary>
    public async Task<(long? Min, long? Max)> ReadBoundsAsync(TableSchema schema, Direction side, CancellationToken cancellationToken)
    {
        await using var connection = await databases[side].OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT MIN({Id}), MAX({Id}) FROM {SqlDialect.Quote(schema.Table)}";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) && !reader.IsDBNull(0) ? (reader.GetInt64(0), reader.GetInt64(1)) : (null, null);
    }

    /// <summary>
    /// Row count and XOR of row checksums per chunk of ids in <c>[from, to]</c>, computed by the server: one
    /// statement per chunk, all sent at once. (A <c>GROUP BY</c> over the chunk number costs the server a temporary
    /// table update per row; these are plain range scans of the key.) Chunk <c>k</c> holds the ids
    /// <c>from + k·width</c> to <c>from + (k+1)·width − 1</c> (see <see cref="ChunkRange"/>); empty chunks are left out.
    /// </summary>
    public async Task<Dictionary<long, (long Count, long Checksum)>> ReadChunkChecksumsAsync(
        TableSchema schema, Direction side, long from, long to, long width, int chunks, CancellationToken cancellationToken)
    {
        var checksum = RowChecksum(schema, side);
        var sql = new StringBuilder();
        var statements = 0L;
        for (; statements < chunks && (Int128)from + ((Int128)statements * width) <= to; statements++)
        {
            var (start, end) = ChunkRange(from, to, width, statements);
            sql.Append(CultureInfo.InvariantCulture, $"SELECT COUNT(*), BIT_XOR({checksum}) FROM {SqlDialect.Quote(schema.Table)} WHERE {Id} BETWEEN {start} AND {end};");
        }

        await using var connection = await databases[side].OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql.ToString();
        var result = new Dictionary<long, (long, long)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        // Statement k returns the one row of chunk k.
        for (var chunk = 0L; chunk < statements; chunk++)
        {
            if (await reader.ReadAsync(cancellationToken) && reader.GetInt64(0) > 0)
            {
                result[chunk] = (reader.GetInt64(0), unchecked((long)reader.GetFieldValue<ulong>(1)));
            }

            await reader.NextResultAsync(cancellationToken);
        }

        return result;
    }

    /// <summary>
    /// The ids of chunk <paramref name="chunk"/> of the segment <c>[from, to]</c>, as <see cref="ReadChunkChecksumsAsync"/>
    /// numbers them; the chunk must start within the segment.
    /// </summary>
    public static (long From, long To) ChunkRange(long from, long to, long width, long chunk)
    {
        var start = (Int128)from + ((Int128)chunk * width);
        return ((long)start, (long)Int128.Min(to, start + width - 1));
    }

    /// <summary>Id and row checksum of every row in the given id ranges, by id.</summary>
    public async Task<List<(long Id, long Checksum)>> ReadRowChecksumsAsync(
        TableSchema schema, Direction side, IReadOnlyList<(long From, long To)> ranges, CancellationToken cancellationToken)
    {
        var checksum = RowChecksum(schema, side);
        await using var connection = await databases[side].OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        // Ids are integers, so the ranges are written inline: the server reads only these stretches of the key.
        var where = string.Join(" OR ", ranges.Select(r => string.Create(CultureInfo.InvariantCulture, $"{Id} BETWEEN {r.From} AND {r.To}")));
        command.CommandText = $"SELECT {Id}, {checksum} FROM {SqlDialect.Quote(schema.Table)} WHERE {where} ORDER BY {Id}";
        var rows = new List<(long, long)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add((reader.GetInt64(0), unchecked((long)reader.GetFieldValue<ulong>(1))));
        }

        return rows;
    }

    private string RowChecksum(TableSchema schema, Direction side)
    {
        var db = databases[side];
        return db.Dialect.RowChecksum(TableSchema.KeyColumn, schema.Columns, schema.VariableColumns, schema.NullableColumns)
            ?? throw new NotSupportedException($"{db.Provider} has no row checksum.");
    }

    private static void AddParameters(DbCommand command, long[] parameters)
    {
        for (var i = 0; i < parameters.Length; i++)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = i == 0 ? "@a" : "@b";
            parameter.Value = parameters[i];
            command.Parameters.Add(parameter);
        }
    }

    private static string Id => SqlDialect.Quote(TableSchema.KeyColumn);

    private static string Utime => SqlDialect.Quote(TableSchema.UtimeColumn);

    /// <summary>
    /// The column names, which of them hold numbers, which may be NULL (all, where the driver cannot tell), and which
    /// hold integers that fit a <see cref="long"/> (an unsigned 64-bit column is counted: its values up to
    /// <see cref="long.MaxValue"/> are read as such).
    /// </summary>
    private async Task<(string[] Columns, HashSet<string> Numeric, HashSet<string> Nullable, HashSet<string> Integers)> ReadColumnsAsync(
        Direction side, CancellationToken cancellationToken)
    {
        await using var connection = await databases[side].OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT * FROM {SqlDialect.Quote(_table)} WHERE 1 = 0";
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToArray();
            var numeric = Enumerable.Range(0, reader.FieldCount).Where(i => IsNumber(reader.GetFieldType(i))).Select(reader.GetName).ToHashSet();
            var nullable = reader.GetColumnSchema().Where(c => c.AllowDBNull != false).Select(c => c.ColumnName).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var integers = Enumerable.Range(0, reader.FieldCount).Where(i => IsInteger(reader.GetFieldType(i))).Select(reader.GetName)
                .ToHashSet(StringComparer.OrdinalIgnoreCase);
            return (columns, numeric, nullable, integers);
        }
        catch (DbException ex) when (IsMissingTable(ex))
        {
            throw new TableShapeException($"Table '{_table}' does not exist on {side.ToWire()}: {ex.Message}", _table, side: side);
        }
    }

    private static bool IsInteger(Type type) =>
        type == typeof(sbyte) || type == typeof(byte) || type == typeof(short) || type == typeof(ushort) || type == typeof(int)
        || type == typeof(uint) || type == typeof(long) || type == typeof(ulong);

    private static bool IsNumber(Type type) =>
        type == typeof(sbyte) || type == typeof(byte) || type == typeof(short) || type == typeof(ushort) || type == typeof(int)
        || type == typeof(uint) || type == typeof(long) || type == typeof(ulong) || type == typeof(float) || type == typeof(double)
        || type == typeof(decimal) || type == typeof(bool);

    private static bool IsMissingTable(DbException ex) =>
        ex.Message.Contains("no such table", StringComparison.OrdinalIgnoreCase)
        || ex.Message.Contains("doesn't exist", StringComparison.OrdinalIgnoreCase);

    private async Task<List<Row>> QueryAsync(TableSchema schema, Direction side, string where, long[] parameters, CancellationToken cancellationToken)
    {
        await using var connection = await databases[side].OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {string.Join(", ", schema.AllColumns.Select(SqlDialect.Quote))} FROM {SqlDialect.Quote(schema.Table)} {where}";
        AddParameters(command, parameters);

        var rows = new List<Row>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var width = schema.Columns.Count;
        while (await reader.ReadAsync(cancellationToken))
        {
            var values = new object?[width];
            for (var i = 0; i < width; i++)
            {
                values[i] = reader.IsDBNull(i + 1) ? null : reader.GetValue(i + 1);
            }

            rows.Add(new Row(reader.GetInt64(0), values));
        }

        return rows;
    }
}
