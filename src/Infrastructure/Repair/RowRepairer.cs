using System.Data.Common;
using Microsoft.Extensions.Options;
using Migration.Application.Abstractions;
using Migration.Domain;
using Migration.Domain.Inconsistencies;
using Migration.Domain.Repair;
using Migration.Infrastructure.Data;
using Migration.Infrastructure.Events;
using Migration.Infrastructure.Options;
using Migration.Domain.Tables;
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
    SideDatabases databases, RowReader reader, ITableCatalog catalog, IConflictStore conflicts, IOptions<MigrationOptions> options, TimeProvider time)
{
    /// <summary>Reads and decisions per event: each write is checked by the next read, and a write the guard stopped is decided again.</summary>
    private const int MaxRounds = 4;

    private readonly RepairPolicy _policy = options.Value.Repair.Policy;

    /// <summary>The event's table and key; throws <see cref="MalformedEventException"/> for a table or key that is not one.</summary>
    public async Task<(TableSpec Table, RowKey Key)> ResolveAsync(InconsistentEvent e, CancellationToken cancellationToken)
    {
        var table = (await catalog.GetAsync(cancellationToken)).Find(e.Table)
            ?? throw new MalformedEventException($"table '{e.Table}' is not a migrated table");
        try
        {
            return (table, RowKey.FromNamed(table, e.Key));
        }
        catch (FormatException ex)
        {
            throw new MalformedEventException(ex.Message);
        }
    }

    /// <summary>When the event's difference was confirmed, ms since the epoch.</summary>
    public long ConfirmedAt(InconsistentEvent e) =>
        // An event without a detection time (the original producer's format) was confirmed no later than now.
        (e.DetectedAt == default ? time.GetUtcNow() : e.DetectedAt).ToUnixTimeMilliseconds();

    /// <summary>The rule's decision for the event's row as the two sides hold it now.</summary>
    public RepairDecision Decide(TableSpec table, InconsistentEvent e, SideRow? baseRow, SideRow? otherRow, long confirmedAt) =>
        // A side an operator named as the winner is copied whatever the policy prefers (the guard still holds).
        RepairRule.Decide(
            e.Decided ? RepairPolicy.BaseWins : _policy, baseRow is not null, Version(table, baseRow), otherRow is not null, Version(table, otherRow),
            baseRow is not null && otherRow is not null && ValueRules.DifferingColumns(table, baseRow, otherRow) is null,
            confirmedAt);

    /// <summary>
    /// The guard time of a copy, in the version column's type (the <c>@confirmed</c> of the guarded statements): the
    /// confirmation, or under newest-wins the earliest time there is, so that only a newer version may overwrite.
    /// </summary>
    public object? CopyGuard(TableSpec table, InconsistentEvent e, long confirmedAt) =>
        GuardValue(table, _policy == RepairPolicy.NewestWins && !e.Decided ? null : confirmedAt);

    /// <summary>The guard time of a delete, in the version column's type.</summary>
    public static object? DeleteGuard(TableSpec table, long confirmedAt) => GuardValue(table, confirmedAt);

    /// <summary>
    /// Ends the event on a decision that writes nothing: <see cref="RepairAction.None"/> closes an open conflict of the
    /// row and returns what was <paramref name="written"/> (or <see cref="RepairOutcome.Unchanged"/>);
    /// <see cref="RepairAction.Conflict"/> stores the conflict. Null for a decision that writes.
    /// </summary>
    public async Task<RepairOutcome?> SettleAsync(
        TableSpec table, InconsistentEvent e, string keyText, RepairDecision decision, SideRow? baseRow, SideRow? otherRow, RepairOutcome? written,
        CancellationToken cancellationToken)
    {
        switch (decision.Action)
        {
            case RepairAction.None:
                await conflicts.ResolveAsync(table.Name, keyText, written is null ? "equal on both sides" : "repaired", cancellationToken);
                return written ?? RepairOutcome.Unchanged;
            case RepairAction.Conflict:
                await conflicts.RecordAsync(new Conflict(
                    0, table.Name, keyText, e.Direction, Version(table, baseRow), Version(table, otherRow), decision.Reason!, e.EventId,
                    time.GetUtcNow()), cancellationToken);
                return RepairOutcome.Conflict;
            default:
                return null;
        }
    }

    public async Task<RepairOutcome> RepairAsync(InconsistentEvent e, CancellationToken cancellationToken)
    {
        var (table, key) = await ResolveAsync(e, cancellationToken);
        var confirmedAt = ConfirmedAt(e);
        var keyText = key.ToText();
        RepairOutcome? written = null;
        for (var round = 1; round <= MaxRounds; round++)
        {
            var (baseRow, otherRow) = await ReadBothAsync(table, e.Direction, key, cancellationToken);
            var decision = Decide(table, e, baseRow, otherRow, confirmedAt);
            if (await SettleAsync(table, e, keyText, decision, baseRow, otherRow, written, cancellationToken) is { } settled)
            {
                return settled;
            }

            var other = databases[e.Direction.Other()];
            switch (decision.Action)
            {
                case RepairAction.Delete:
                    await ExecuteAsync(other, table, command => SqlDialect.GuardedDelete(table, KeySql.Equal(table, key, "k", command)),
                        DeleteGuard(table, confirmedAt), cancellationToken);
                    written = RepairOutcome.Deleted;
                    break;
                case RepairAction.Copy when otherRow is not null:
                    await ExecuteAsync(other, table, command =>
                    {
                        for (var i = 0; i < baseRow!.Values.Length; i++)
                        {
                            AddParameter(command, $"@c{i}", baseRow.Values[i]);
                        }

                        if (table.VersionIndex >= 0)
                        {
                            AddParameter(command, "@cv", baseRow.Values[table.VersionIndex]);
                        }

                        return SqlDialect.GuardedUpdate(table, KeySql.Equal(table, key, "k", command));
                    }, CopyGuard(table, e, confirmedAt), cancellationToken);
                    written = RepairOutcome.Upserted;
                    break;
                default:
                    // The row is missing there: insert the base row whole, with the columns the run does not compare too.
                    // A row another write inserted meanwhile makes this fail; the next round reads it and decides again.
                    if (await reader.ReadWholeRowAsync(table, e.Direction, key, cancellationToken) is { } whole)
                    {
                        try
                        {
                            await ExecuteAsync(other, table, command =>
                            {
                                for (var i = 0; i < whole.Values.Length; i++)
                                {
                                    AddParameter(command, $"@p{i}", whole.Values[i]);
                                }

                                return SqlDialect.Insert(table.Name, whole.Columns);
                            }, null, cancellationToken);
                        }
                        catch (DbException) when (round < MaxRounds)
                        {
                        }
                    }

                    written = RepairOutcome.Upserted;
                    break;
            }

            // The write carries the rule's guard, and MySQL reports a guarded no-op as a found row: read both sides again
            // to see whether it took, and decide anew if the other side changed meanwhile.
        }

        throw new InvalidOperationException($"{e.MessageKey} kept changing on {e.Direction.Other().ToWire()} while it was being repaired.");
    }

    /// <summary>A row's version in ms since the epoch, or null without a version column (or row).</summary>
    private static long? Version(TableSpec table, SideRow? row) =>
        row is null || table.VersionIndex < 0 || row.Values[table.VersionIndex] is not { } v ? null : Versions.ToEpochMs(v);

    private async Task<(SideRow? Base, SideRow? Other)> ReadBothAsync(TableSpec table, Direction baseSide, RowKey key, CancellationToken cancellationToken)
    {
        var keys = new[] { key };
        var baseRows = reader.ReadByKeysAsync(table, baseSide, keys, cancellationToken);
        var otherRows = reader.ReadByKeysAsync(table, baseSide.Other(), keys, cancellationToken);
        return ((await baseRows).Values.SingleOrDefault(), (await otherRows).Values.SingleOrDefault());
    }

    /// <summary>A guard time in the version column's type (null without one); a null time is the earliest there is.</summary>
    private static object? GuardValue(TableSpec table, long? confirmedAtMs) =>
        table.Version is not { } version ? null
        : confirmedAtMs is { } ms ? Versions.FromEpochMs(version, ms)
        : version.Kind == VersionKind.EpochMilliseconds ? long.MinValue : DateTime.MinValue;

    /// <param name="guard">The guard's time, bound as <c>@confirmed</c> (<see cref="CopyGuard"/>, <see cref="DeleteGuard"/>); null for an insert.</param>
    private static async Task ExecuteAsync(
        SideDatabase side, TableSpec table, Func<DbCommand, string> sql, object? guard, CancellationToken cancellationToken)
    {
        await using var connection = await side.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql(command);
        if (table.Version is not null)
        {
            AddParameter(command, "@confirmed", guard ?? GuardValue(table, null));
        }

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
