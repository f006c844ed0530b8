using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.Options;
using Migration.Application.Abstractions;
using Migration.Domain;
using Migration.Domain.Inconsistencies;
using Migration.Domain.Repair;
using Migration.Infrastructure.Data;
using Migration.Infrastructure.Events;
using Migration.Infrastructure.Options;
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

    /// <summary>The policy refused to touch the other side's row; it is stored as a conflict.</summary>
    Conflict,
}

/// <summary>
/// The override fixer: re-reads the row on both sides, lets <see cref="RepairRule"/> decide under the configured
/// <see cref="RepairPolicy"/>, and makes the other side equal to the base — or stores a conflict when the rule refuses.
/// The write carries the rule's guard itself, so a row written on the other side between the read and the write is not
/// overwritten on stale information: the row is then read again and decided anew. Repeating an event is harmless, since
/// it acts on the rows as they are now, not on what the event says.
/// </summary>
internal sealed class RowRepairer(
    SideDatabases databases, TableReader reader, IConflictStore conflicts, IOptions<MigrationOptions> options, TimeProvider time)
{
    /// <summary>Reads and decisions per event: each write is checked by the next read, and a write the guard stopped is decided again.</summary>
    private const int MaxRounds = 4;

    private readonly RepairPolicy _policy = options.Value.Repair.Policy;

    public async Task<RepairOutcome> RepairAsync(InconsistentEvent e, CancellationToken cancellationToken)
    {
        var schema = await reader.GetSchemaAsync(cancellationToken);
        if (!string.Equals(e.Table, schema.Table, StringComparison.OrdinalIgnoreCase))
        {
            throw new MalformedEventException($"table '{e.Table}' is not the migrated table '{schema.Table}'");
        }

        // An event without a detection time (the original producer's format) was confirmed no later than now.
        var confirmedAt = (e.DetectedAt == default ? time.GetUtcNow() : e.DetectedAt).ToUnixTimeMilliseconds();
        var key = e.Id.ToString(CultureInfo.InvariantCulture);
        RepairOutcome? written = null;
        for (var round = 1; round <= MaxRounds; round++)
        {
            var (baseRow, otherRow) = await ReadBothAsync(schema, e.Direction, e.Id, cancellationToken);
            var decision = RepairRule.Decide(
                _policy, baseRow?.Utime(schema), otherRow?.Utime(schema),
                baseRow is not null && otherRow is not null && ValueComparer.DifferingColumns(schema, baseRow, otherRow) is null,
                confirmedAt);
            var other = databases[e.Direction.Other()];
            switch (decision.Action)
            {
                case RepairAction.None:
                    await conflicts.ResolveAsync(schema.Table, key, written is null ? "equal on both sides" : "repaired", cancellationToken);
                    return written ?? RepairOutcome.Unchanged;
                case RepairAction.Conflict:
                    await conflicts.RecordAsync(new Conflict(
                        0, schema.Table, key, e.Direction, baseRow?.Utime(schema), otherRow?.Utime(schema), decision.Reason!, e.EventId,
                        time.GetUtcNow()), cancellationToken);
                    return RepairOutcome.Conflict;
                case RepairAction.Delete:
                    await ExecuteAsync(other, other.Dialect.GuardedDelete(schema.Table, TableSchema.KeyColumn, TableSchema.UtimeColumn),
                        [e.Id], confirmedAt, cancellationToken);
                    written = RepairOutcome.Deleted;
                    break;
                default:
                    await ExecuteAsync(other, other.Dialect.Upsert(schema.Table, schema.AllColumns, TableSchema.KeyColumn, TableSchema.UtimeColumn),
                        [baseRow!.Id, .. baseRow.Values], GuardTime(confirmedAt), cancellationToken);
                    written = RepairOutcome.Upserted;
                    break;
            }

            // The write carries the rule's guard, and MySQL reports a guarded no-op as a found row: read both sides again
            // to see whether it took, and decide anew if the other side changed meanwhile.
        }

        throw new InvalidOperationException($"{e.Key} kept changing on {e.Direction.Other().ToWire()} while it was being repaired.");
    }

    /// <summary>Under newest-wins only the newer version may overwrite; under base-wins so may anything confirmed older than the row.</summary>
    private long GuardTime(long confirmedAt) => _policy == RepairPolicy.NewestWins ? long.MinValue : confirmedAt;

    private async Task<(Row? Base, Row? Other)> ReadBothAsync(TableSchema schema, Direction baseSide, long id, CancellationToken cancellationToken)
    {
        var ids = new[] { id };
        var baseRows = reader.ReadByIdsAsync(schema, baseSide, ids, cancellationToken);
        var otherRows = reader.ReadByIdsAsync(schema, baseSide.Other(), ids, cancellationToken);
        return ((await baseRows).GetValueOrDefault(id), (await otherRows).GetValueOrDefault(id));
    }

    private static async Task ExecuteAsync(SideDatabase side, string sql, object?[] values, long confirmedAt, CancellationToken cancellationToken)
    {
        await using var connection = await side.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        for (var i = 0; i < values.Length; i++)
        {
            AddParameter(command, $"@p{i}", values[i]);
        }

        AddParameter(command, "@confirmed", confirmedAt);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static void AddParameter(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }
}
