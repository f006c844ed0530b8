using System.Data.Common;
using Microsoft.Extensions.Logging;
using Migration.Domain;
using Migration.Domain.Inconsistencies;
using Migration.Domain.Repair;
using Migration.Domain.Tables;
using Migration.Infrastructure.Data;
using Migration.Infrastructure.Events;
using Migration.Infrastructure.Validation;

namespace Migration.Infrastructure.Repair;

/// <summary>
/// Repairs many events with few statements: per table and base side, one read of each side for all the keys, the same
/// decision as the row path (<see cref="RowRepairer.Decide"/>), then on the other side one guarded multi-row upsert of
/// the rows to copy and one guarded multi-row delete, and one verification read of each side. Only a row the
/// verification shows equal (or one decided with no write: equal already, or a conflict) is done here; every other
/// event — the guard refused it, a write failed, its key is not one, its row was asked twice — is left for the caller
/// to repair on the row path, which decides it anew.
/// </summary>
internal sealed partial class BatchRepairer(SideDatabases databases, RowReader reader, RowRepairer rows, ILogger<BatchRepairer> logger)
{
    /// <summary>Parameters per statement, under SQLite's limit of 32,766: a very wide table's batch takes several statements.</summary>
    private const int MaxParameters = 30_000;

    /// <summary>The outcome of each event, by position; null where the row path has to repair it.</summary>
    public async Task<RepairOutcome?[]> RepairAsync(IReadOnlyList<InconsistentEvent> events, CancellationToken cancellationToken)
    {
        var outcomes = new RepairOutcome?[events.Count];
        var groups = new Dictionary<(string Table, Direction Base), List<Item>>();
        var seen = new HashSet<(string, RowKey)>();
        for (var i = 0; i < events.Count; i++)
        {
            (TableSpec Table, RowKey Key) resolved;
            try
            {
                resolved = await rows.ResolveAsync(events[i], cancellationToken);
            }
            catch (MalformedEventException)
            {
                // The row path sets it aside, as it always has.
                continue;
            }

            // A row's later events wait for the row path, in their order, after the first is done.
            if (!seen.Add((resolved.Table.Name, resolved.Key)))
            {
                continue;
            }

            var group = (resolved.Table.Name, events[i].Direction);
            if (!groups.TryGetValue(group, out var items))
            {
                groups[group] = items = [];
            }

            items.Add(new Item(i, events[i], resolved.Table, resolved.Key, rows.ConfirmedAt(events[i])));
        }

        foreach (var items in groups.Values)
        {
            try
            {
                await RepairGroupAsync(items, outcomes, cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // A read failed (or the conflict store): what is not settled goes to the row path, with its retries.
                LogGroupFailed(ex, items[0].Table.Name, items.Count);
            }
        }

        return outcomes;
    }

    private async Task RepairGroupAsync(List<Item> items, RepairOutcome?[] outcomes, CancellationToken cancellationToken)
    {
        var table = items[0].Table;
        var baseSide = items[0].Event.Direction;
        var keys = items.Select(x => x.Key).ToArray();
        var baseRead = reader.ReadEachAsync(table, baseSide, keys, whole: true, cancellationToken);
        var otherRead = reader.ReadEachAsync(table, baseSide.Other(), keys, whole: false, cancellationToken);
        var (before, other) = (await baseRead, await otherRead);

        var copies = new List<int>();
        var deletes = new List<int>();
        for (var j = 0; j < items.Count; j++)
        {
            if (before.Ambiguous[j] || other.Ambiguous[j])
            {
                continue;
            }

            var item = items[j];
            var decision = rows.Decide(table, item.Event, before.Rows[j], other.Rows[j], item.ConfirmedAt);
            if (await rows.SettleAsync(table, item.Event, item.Key.ToText(), decision, before.Rows[j], other.Rows[j], null, cancellationToken) is { } settled)
            {
                outcomes[item.Index] = settled;
            }
            else if (decision.Action == RepairAction.Delete)
            {
                deletes.Add(j);
            }
            else if (before.Whole[j] is not null)
            {
                copies.Add(j);
            }
        }

        var target = databases[baseSide.Other()];
        await CopyAsync(target, table, items, before.Whole, copies, cancellationToken);
        await DeleteAsync(target, table, items, deletes, cancellationToken);

        // The writes carry the rule's guard, and MySQL counts a guarded no-op as a found row: only a read tells whether
        // each took. A row that is not equal now goes to the row path, which decides it again.
        var written = copies.Concat(deletes).Order().ToArray();
        if (written.Length == 0)
        {
            return;
        }

        var writtenKeys = written.Select(j => keys[j]).ToArray();
        var baseAfter = reader.ReadEachAsync(table, baseSide, writtenKeys, whole: false, cancellationToken);
        var otherAfter = reader.ReadEachAsync(table, baseSide.Other(), writtenKeys, whole: false, cancellationToken);
        var (b, o) = (await baseAfter, await otherAfter);
        for (var w = 0; w < written.Length; w++)
        {
            var item = items[written[w]];
            if (b.Ambiguous[w] || o.Ambiguous[w]
                || rows.Decide(table, item.Event, b.Rows[w], o.Rows[w], item.ConfirmedAt).Action != RepairAction.None)
            {
                continue;
            }

            outcomes[item.Index] = await rows.SettleAsync(
                table, item.Event, item.Key.ToText(), RepairDecision.Nothing, b.Rows[w], o.Rows[w],
                deletes.Contains(written[w]) ? RepairOutcome.Deleted : RepairOutcome.Upserted, cancellationToken);
        }
    }

    /// <summary>The base rows to copy, whole, in one guarded upsert (several for a table too wide for one).</summary>
    private async Task CopyAsync(
        SideDatabase target, TableSpec table, List<Item> items, WholeRow?[] whole, List<int> copies, CancellationToken cancellationToken)
    {
        if (copies.Count == 0)
        {
            return;
        }

        var columns = whole[copies[0]]!.Columns;
        var perStatement = Math.Max(1, MaxParameters / (columns.Count + 1));
        foreach (var chunk in copies.Chunk(perStatement))
        {
            var batch = chunk.Select(j => (whole[j]!.Values, rows.CopyGuard(table, items[j].Event, items[j].ConfirmedAt))).ToArray();
            await ExecuteAsync(target, table, command => target.Dialect.GuardedUpsert(table, columns, batch, command), "upsert", chunk.Length, cancellationToken);
        }
    }

    /// <summary>The rows the base has not, in one guarded delete.</summary>
    private async Task DeleteAsync(SideDatabase target, TableSpec table, List<Item> items, List<int> deletes, CancellationToken cancellationToken)
    {
        if (deletes.Count == 0)
        {
            return;
        }

        foreach (var chunk in deletes.Chunk(Math.Max(1, MaxParameters / (table.Key.Count + 1))))
        {
            var batch = chunk.Select(j => (items[j].Key, RowRepairer.DeleteGuard(table, items[j].ConfirmedAt))).ToArray();
            await ExecuteAsync(target, table, command => SqlDialect.GuardedDeleteMany(table, batch, command), "delete", chunk.Length, cancellationToken);
        }
    }

    /// <summary>Runs one write; a failure is logged and left to the verification read, which finds its rows not repaired.</summary>
    private async Task ExecuteAsync(
        SideDatabase side, TableSpec table, Func<DbCommand, string> sql, string kind, int count, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await side.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = sql(command);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (DbException ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogWriteFailed(ex, kind, table.Name, count);
        }
    }

    private sealed record Item(int Index, InconsistentEvent Event, TableSpec Table, RowKey Key, long ConfirmedAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Batch repair of {Count} events of {Table} failed; they are repaired one by one")]
    private partial void LogGroupFailed(Exception exception, string table, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Batch {Kind} of {Count} rows of {Table} failed; those rows are repaired one by one")]
    private partial void LogWriteFailed(Exception exception, string kind, string table, int count);
}
