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
/// <para>
/// Reading everything above the cursor is a window's worth of entries (at 3,000 writes/s and a 5 s window, 15,000), so
/// it is done at most every <see cref="RereadEvery"/> (or the window, when shorter); the polls between read only the
/// entries above the highest one read. An entry that commits late is thus handed over by the next whole read, and the
/// cursor moves only after one.
/// </para>
/// </summary>
internal sealed class JournalStrategy(WriteJournal journal, JournalCursorStore cursors) : IValidationStrategy
{
    /// <summary>How often a poll reads everything above the cursor again, not only the entries above the highest read.</summary>
    internal static readonly TimeSpan RereadEvery = TimeSpan.FromSeconds(1);

    public async Task RunAsync(TableContext context, CancellationToken cancellationToken)
    {
        var (table, run) = (context.Table, context.Run);
        var interval = TimeSpan.FromMilliseconds(run.IntervalMs);
        var window = context.Options.LateCommitWindowMs;
        var stored = await context.Steps.RunAsync("read the journal cursors", null, ct => cursors.LoadAsync(run.Id, table.Name, ct), cancellationToken);
        var readers = new List<SideReader>();
        foreach (var side in new[] { context.BaseSide, context.OtherSide })
        {
            var cursor = stored.TryGetValue(side, out var seq) ? seq
                : await context.Steps.RunAsync($"find where the {Name(context, side)} journal starts", side,
                    ct => journal.StartAsync(side, run.Utime - window, ct), cancellationToken);
            readers.Add(new SideReader(side, cursor));
        }

        // Stored at the first poll too, so the trim knows where the run starts.
        var saved = readers.ToDictionary(r => r.Side, _ => -1L);
        while (true)
        {
            var added = 0;
            var full = false;
            foreach (var reader in readers)
            {
                var (count, batchFull) = await PollAsync(context, reader, window, cancellationToken);
                added += count;
                full |= batchFull;
            }

            if (added > 0)
            {
                await context.Suspects.FlushAsync(all: true, cancellationToken);
            }

            if (readers.Any(r => r.Cursor != saved[r.Side]))
            {
                var snapshot = readers.ToDictionary(r => r.Side, r => r.Cursor);
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

    /// <summary>
    /// One read of a side's journal, of everything above the cursor (then the cursor moves) or of the entries above the
    /// highest read: hands the new keys over. Returns how many it handed over, and whether the read was full.
    /// </summary>
    private async Task<(int Added, bool Full)> PollAsync(TableContext context, SideReader side, int window, CancellationToken cancellationToken)
    {
        var table = context.Table;
        var startedAt = context.Time.GetTimestamp();
        var whole = side.Highest <= side.Cursor
            || context.Time.GetElapsedTime(side.WholeReadAt) >= TimeSpan.FromMilliseconds(Math.Min(RereadEvery.TotalMilliseconds, window));
        var (after, limit) = whole ? (side.Cursor, context.Options.BatchSize + side.Handed.Count) : (side.Highest, context.Options.BatchSize);
        var (settled, numbers, entries) = await context.Steps.RunAsync($"read the {Name(context, side.Side)} journal", side.Side, async ct =>
        {
            if (!whole)
            {
                var read = await journal.ReadAsync(side.Side, table.Name, after, limit, ct);
                return (after, read.ConvertAll(e => e.Seq), read);
            }

            // Measured first: every entry numbered up to it has committed, so the read below sees all of them.
            var last = await journal.LastBeforeAsync(side.Side, after, context.Time.GetUtcNow().ToUnixTimeMilliseconds() - window, ct);
            // Most entries above the cursor were handed over already: only their numbers are read again.
            var all = await journal.ReadNumbersAsync(side.Side, table.Name, after, limit, ct);
            return (last, all, await journal.ReadAsync(side.Side, all.FindAll(n => !side.Handed.Contains(n)), ct));
        }, cancellationToken);

        var keys = entries.Where(e => side.Handed.Add(e.Seq)).Select(e => Decode(context, side.Side, e)).OfType<RowKey>().ToList();
        if (table.Key.Any(k => k.Kind == ColumnKind.Text) && keys.Count > 0)
        {
            keys = await context.Steps.RunAsync("look the journal's text keys up", null, ct => ServerKeysAsync(context, keys, ct), cancellationToken);
        }

        foreach (var key in keys)
        {
            context.Suspects.Add(key);
        }

        var full = numbers.Count >= limit;
        if (numbers.Count > 0)
        {
            side.Highest = Math.Max(side.Highest, numbers[^1]);
        }

        if (whole)
        {
            side.WholeReadAt = startedAt;
            var upTo = full ? Math.Min(settled, numbers[^1]) : settled;
            if (upTo > side.Cursor)
            {
                side.Cursor = upTo;
                side.Handed.RemoveWhere(seq => seq <= upTo);
            }
        }

        return (keys.Count, full);
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

    /// <summary>One side's journal as the run reads it.</summary>
    private sealed class SideReader(Direction side, long cursor)
    {
        public Direction Side { get; } = side;

        /// <summary>Every entry numbered up to it has been handed over.</summary>
        public long Cursor { get; set; } = cursor;

        /// <summary>The highest entry read.</summary>
        public long Highest { get; set; } = cursor;

        /// <summary>Entries read above the cursor, handed over already.</summary>
        public HashSet<long> Handed { get; } = [];

        /// <summary>When everything above the cursor was last read (a timestamp of the run's clock).</summary>
        public long WholeReadAt { get; set; }
    }
}
