using Migration.Domain;
using Migration.Domain.Tables;
using Migration.Infrastructure.Journal;

namespace Migration.Infrastructure.Validation;

/// <summary>
/// Incremental runs, beside the version-column walk (or alone, for a table without a version column): reads both
/// sides' write journals (<see cref="WriteJournal"/>) after the run's journal cursor of the table and hands every key
/// written to the suspect queue, which re-checks it on both sides after its delay. So a row deleted on the base, or
/// written without changing its version, is compared too.
/// <para>
/// An entry's <c>seq</c> is assigned when it is inserted, not when its transaction commits, so a lower seq may become
/// visible after a higher one has been read. The cursor therefore moves only up to the last entry (of any table)
/// written more than <see cref="Options.ValidationOptions.LateCommitWindowMs"/> ago: every entry numbered before it has
/// committed by now, the window's assumption about transactions that the version walk makes too. Entries read above the
/// cursor are remembered, so each is handed over once. The cursor is stored (<see cref="JournalCursorStore"/>) only after
/// the suspects read up to it have been re-checked and published: a resumed run reads them again rather than skip one.
/// </para>
/// </summary>
internal sealed class JournalStrategy(WriteJournal journal, JournalCursorStore cursors) : IValidationStrategy
{
    public async Task RunAsync(TableContext context, CancellationToken cancellationToken)
    {
        var (table, run) = (context.Table, context.Run);
        var interval = TimeSpan.FromMilliseconds(run.IntervalMs);
        var window = context.Options.LateCommitWindowMs;
        var sides = new[] { context.BaseSide, context.OtherSide };
        var stored = await context.Steps.RunAsync("read the journal cursors", null, ct => cursors.LoadAsync(run.Id, table.Name, ct), cancellationToken);
        var cursor = new Dictionary<Direction, long>();
        foreach (var side in sides)
        {
            cursor[side] = stored.TryGetValue(side, out var seq) ? seq
                : await context.Steps.RunAsync($"find where the {Name(context, side)} journal starts", side,
                    ct => journal.StartAsync(side, run.Utime - window, ct), cancellationToken);
        }

        // Entries read above each side's cursor, handed over already.
        var handed = sides.ToDictionary(s => s, _ => new HashSet<long>());
        // Stored at the first poll too, so the trim knows where the run starts.
        var saved = sides.ToDictionary(s => s, _ => -1L);
        while (true)
        {
            var added = 0;
            var full = false;
            foreach (var side in sides)
            {
                var (count, batchFull) = await PollAsync(context, side, cursor, handed[side], window, cancellationToken);
                added += count;
                full |= batchFull;
            }

            if (added > 0)
            {
                await context.Suspects.FlushAsync(all: true, cancellationToken);
            }

            if (sides.Any(s => cursor[s] != saved[s]))
            {
                var snapshot = new Dictionary<Direction, long>(cursor);
                await context.Steps.RunAsync("store the journal cursors", null, async ct =>
                {
                    await cursors.SaveAsync(run.Id, table.Name, snapshot, ct);
                    return 0;
                }, cancellationToken);
                saved = snapshot;
            }

            if (!full)
            {
                if (table.Version is null)
                {
                    // The version walk, when there is one, says when the table is caught up.
                    context.Progress.CaughtUp(context.Time.GetUtcNow());
                }

                await Task.Delay(interval, context.Time, cancellationToken);
            }
        }
    }

    /// <summary>One read of a side's journal: hands the new keys over and moves the cursor. Returns how many it handed over, and whether the read was full.</summary>
    private async Task<(int Added, bool Full)> PollAsync(
        TableContext context, Direction side, Dictionary<Direction, long> cursor, HashSet<long> handed, int window, CancellationToken cancellationToken)
    {
        var table = context.Table;
        var after = cursor[side];
        var limit = context.Options.BatchSize + handed.Count;
        var (settled, entries) = await context.Steps.RunAsync($"read the {Name(context, side)} journal", side, async ct =>
        {
            // Measured first: every entry numbered up to it has committed, so the read below sees all of them.
            var last = await journal.LastBeforeAsync(side, after, context.Time.GetUtcNow().ToUnixTimeMilliseconds() - window, ct);
            return (last, await journal.ReadAsync(side, table.Name, after, limit, ct));
        }, cancellationToken);

        var keys = entries.Where(e => handed.Add(e.Seq)).Select(e => Decode(context, side, e)).OfType<RowKey>().ToList();
        if (table.Key.Any(k => k.Kind == ColumnKind.Text) && keys.Count > 0)
        {
            keys = await context.Steps.RunAsync("look the journal's text keys up", null, ct => ServerKeysAsync(context, keys, ct), cancellationToken);
        }

        foreach (var key in keys)
        {
            context.Suspects.Add(key);
        }

        var added = keys.Count;

        var full = entries.Count >= limit;
        var upTo = full ? Math.Min(settled, entries[^1].Seq) : settled;
        if (upTo > after)
        {
            cursor[side] = upTo;
            handed.RemoveWhere(seq => seq <= upTo);
        }

        return (added, full);
    }

    /// <summary>
    /// A text key parsed from the journal is ordered by its UTF-8 bytes, the rows read from a side by the collation's
    /// weight, and the re-check matches the two by that order: each key is replaced by the same key as a side returns it
    /// (matched by value). A key neither side has is dropped: there is nothing to compare.
    /// </summary>
    private static async Task<List<RowKey>> ServerKeysAsync(TableContext context, List<RowKey> keys, CancellationToken cancellationToken)
    {
        var onBase = context.Reader.ReadByKeysAsync(context.Table, context.BaseSide, keys, cancellationToken);
        var onOther = context.Reader.ReadByKeysAsync(context.Table, context.OtherSide, keys, cancellationToken);
        var byText = new Dictionary<string, RowKey>(StringComparer.Ordinal);
        foreach (var key in (await onBase).Keys.Concat((await onOther).Keys))
        {
            byText.TryAdd(key.ToText(), key);
        }

        return keys.Select(k => byText.GetValueOrDefault(k.ToText())).OfType<RowKey>().Distinct().ToList();
    }

    private static RowKey? Decode(TableContext context, Direction side, JournalEntry entry)
    {
        try
        {
            return JournalKey.Decode(context.Table, entry.Key);
        }
        catch (FormatException ex)
        {
            // Skipped, not retried: it would stop the journal here for good. Recorded where the operator sees it.
            context.Progress.RecordError($"Journal entry {entry.Seq} of {side.ToWire()} has a key that is not one of {context.Table.Name}: {ex.Message}",
                context.Time.GetUtcNow());
            return null;
        }
    }

    private static string Name(TableContext context, Direction side) => side == context.BaseSide ? "base" : "target";
}
