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

    /// <summary>Reads the columns of both sides and checks they can be compared.</summary>
    public async Task<TableSchema> RefreshSchemaAsync(CancellationToken cancellationToken)
    {
        var source = await ReadColumnsAsync(Direction.Src, cancellationToken);
        var target = await ReadColumnsAsync(Direction.Dst, cancellationToken);
        foreach (var (side, columns) in new[] { (Direction.Src, source), (Direction.Dst, target) })
        {
            if (!columns.Contains(TableSchema.KeyColumn) || !columns.Contains(TableSchema.UtimeColumn))
            {
                throw new TableShapeException(
                    $"Table '{_table}' on {side.ToWire()} needs the columns '{TableSchema.KeyColumn}' and '{TableSchema.UtimeColumn}'; it has: {string.Join(", ", columns)}.");
            }
        }

        if (!source.ToHashSet(StringComparer.OrdinalIgnoreCase).SetEquals(target))
        {
            throw new TableShapeException(
                $"Table '{_table}' has different columns on the two sides: SRC ({string.Join(", ", source)}), DST ({string.Join(", ", target)}).");
        }

        var compared = source.Where(c => !c.Equals(TableSchema.KeyColumn, StringComparison.OrdinalIgnoreCase)).ToArray();
        var schema = new TableSchema(_table, compared, Array.FindIndex(compared, c => c.Equals(TableSchema.UtimeColumn, StringComparison.OrdinalIgnoreCase)));
        _schema = schema;
        return schema;
    }

    /// <summary>Up to <paramref name="limit"/> rows with <c>id &gt; afterId</c>, by id.</summary>
    public Task<List<Row>> ReadAfterIdAsync(TableSchema schema, Direction side, long afterId, int limit, CancellationToken cancellationToken) =>
        QueryAsync(schema, side, $"WHERE {Id} > @a ORDER BY {Id} LIMIT {limit}", [afterId], cancellationToken);

    /// <summary>Up to <paramref name="limit"/> rows after <paramref name="after"/> in <c>(utime, id)</c> order.</summary>
    public Task<List<Row>> ReadChangedAfterAsync(TableSchema schema, Direction side, RowCursor after, int limit, CancellationToken cancellationToken) =>
        // "utime >= u AND (utime > u OR id > i)" keeps a plain range on the (utime, id) index on both engines.
        QueryAsync(schema, side, $"WHERE {Utime} >= @a AND ({Utime} > @a OR {Id} > @b) ORDER BY {Utime}, {Id} LIMIT {limit}",
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

    private static string Id => SqlDialect.Quote(TableSchema.KeyColumn);

    private static string Utime => SqlDialect.Quote(TableSchema.UtimeColumn);

    private async Task<string[]> ReadColumnsAsync(Direction side, CancellationToken cancellationToken)
    {
        await using var connection = await databases[side].OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT * FROM {SqlDialect.Quote(_table)} WHERE 1 = 0";
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            return Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToArray();
        }
        catch (DbException ex) when (IsMissingTable(ex))
        {
            throw new TableShapeException($"Table '{_table}' does not exist on {side.ToWire()}: {ex.Message}");
        }
    }

    private static bool IsMissingTable(DbException ex) =>
        ex.Message.Contains("no such table", StringComparison.OrdinalIgnoreCase)
        || ex.Message.Contains("doesn't exist", StringComparison.OrdinalIgnoreCase);

    private async Task<List<Row>> QueryAsync(TableSchema schema, Direction side, string where, long[] parameters, CancellationToken cancellationToken)
    {
        await using var connection = await databases[side].OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {string.Join(", ", schema.AllColumns.Select(SqlDialect.Quote))} FROM {SqlDialect.Quote(schema.Table)} {where}";
        for (var i = 0; i < parameters.Length; i++)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = i == 0 ? "@a" : "@b";
            parameter.Value = parameters[i];
            command.Parameters.Add(parameter);
        }

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
