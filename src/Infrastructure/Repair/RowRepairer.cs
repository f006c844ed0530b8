using Migration.Domain;
using Migration.Domain.Inconsistencies;
using Migration.Infrastructure.Data;
using Migration.Infrastructure.Events;
using Migration.Infrastructure.Validation;

namespace Migration.Infrastructure.Repair;

public enum RepairOutcome
{
    /// <summary>The base row was written to the other side.</summary>
    Upserted,

    /// <summary>The base has no such row, so it was deleted from the other side.</summary>
    Deleted,

    /// <summary>Both sides already agreed.</summary>
    Unchanged,

    /// <summary>The other side's row has a newer <c>utime</c> than the base's; overwriting it would lose a write.</summary>
    Skipped,
}

/// <summary>
/// The override fixer: re-reads the row from the base named by the event and makes the other side equal to it.
/// Repeating it is harmless, since it acts on the rows as they are now, not on what the event says.
/// </summary>
internal sealed class RowRepairer(SideDatabases databases, TableReader reader)
{
    public async Task<RepairOutcome> RepairAsync(InconsistentEvent e, CancellationToken cancellationToken)
    {
        var schema = await reader.GetSchemaAsync(cancellationToken);
        if (!string.Equals(e.Table, schema.Table, StringComparison.OrdinalIgnoreCase))
        {
            throw new MalformedEventException($"table '{e.Table}' is not the migrated table '{schema.Table}'");
        }

        var ids = new[] { e.Id };
        var baseRows = reader.ReadByIdsAsync(schema, e.Direction, ids, cancellationToken);
        var otherRows = reader.ReadByIdsAsync(schema, e.Direction.Other(), ids, cancellationToken);
        var baseRow = (await baseRows).GetValueOrDefault(e.Id);
        var otherRow = (await otherRows).GetValueOrDefault(e.Id);
        var other = databases[e.Direction.Other()];
        if (baseRow is null)
        {
            return otherRow is null ? RepairOutcome.Unchanged : await DeleteAsync(other, schema, e.Id, cancellationToken);
        }

        if (otherRow is not null)
        {
            if (otherRow.Utime(schema) > baseRow.Utime(schema))
            {
                return RepairOutcome.Skipped;
            }

            if (ValueComparer.DifferingColumns(schema, baseRow, otherRow) is null)
            {
                return RepairOutcome.Unchanged;
            }
        }

        await using var connection = await other.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        // The guard in the statement covers a write that lands on the other side after the read above.
        command.CommandText = other.Dialect.Upsert(schema.Table, schema.AllColumns, TableSchema.KeyColumn, TableSchema.UtimeColumn);
        object?[] values = [baseRow.Id, .. baseRow.Values];
        for (var i = 0; i < values.Length; i++)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = $"@p{i}";
            parameter.Value = values[i] ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
        return RepairOutcome.Upserted;
    }

    private static async Task<RepairOutcome> DeleteAsync(SideDatabase side, TableSchema schema, long id, CancellationToken cancellationToken)
    {
        await using var connection = await side.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"DELETE FROM {SqlDialect.Quote(schema.Table)} WHERE {SqlDialect.Quote(TableSchema.KeyColumn)} = @p0";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@p0";
        parameter.Value = id;
        command.Parameters.Add(parameter);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return RepairOutcome.Deleted;
    }
}
