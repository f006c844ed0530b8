using System.Globalization;
using Migration.Domain.Runs;
using Migration.Domain.Tables;

namespace Migration.Infrastructure.Validation;

/// <summary>
/// Incremental run: walks (version, key) after its cursor on each side with keyset pagination, looks the same keys up on
/// the other side with one query, and advances the cursor after every page; once both sides are caught up it waits the
/// run's interval and polls again, until stopped. A second, trailing cursor per side walks the same way
/// <see cref="Options.ValidationOptions.LateCommitWindowMs"/> behind the present: a transaction that commits after the
/// main cursor passed its version (a long transaction that set the version when it began) is compared when the
/// trailing cursor gets there. The trailing walk counts no rows: it reads rows the main one counted already.
/// </summary>
internal sealed class VersionScanStrategy : IValidationStrategy
{
    public async Task RunAsync(TableContext context, CancellationToken cancellationToken)
    {
        var (table, progress) = (context.Table, context.Progress);
        var start = Versions.FromEpochMs(table.Version!, context.Run.Utime);
        var interval = TimeSpan.FromMilliseconds(context.Run.IntervalMs);
        var window = context.Options.LateCommitWindowMs;
        // Trailing cursors start where the run's main cursors are (a resume re-reads the window before them too).
        var trailing = (Base: Behind(table, progress.SafeBaseCursor, window), Target: Behind(table, progress.SafeTargetCursor, window));
        // The versions of rows the main walks compared: the trailing walks skip them, so a difference is published once.
        var compared = new SeenVersions();
        while (true)
        {
            // Base → target: rows changed in the base that are missing or different in the target.
            var (baseRows, _) = await PageAsync(context, baseToTarget: true, progress.BaseCursor, start, upTo: null, compared, cancellationToken);
            if (baseRows.Count > 0)
            {
                var cursor = CursorOf(table, baseRows[^1]);
                progress.AdvanceBase(cursor, baseRows.Count, Math.Max(0, context.Time.GetUtcNow().ToUnixTimeMilliseconds() - cursor.VersionMs!.Value));
            }

            // Target → base: rows changed in the target that the base lacks, or that the target changed later than the
            // base (a row the base → target walk does not see again).
            var (otherRows, counted) = await PageAsync(context, baseToTarget: false, progress.TargetCursor, start, upTo: null, compared, cancellationToken);
            if (otherRows.Count > 0)
            {
                progress.AdvanceTarget(CursorOf(table, otherRows[^1]), counted);
            }

            var caughtUp = baseRows.Count < context.Options.BatchSize && otherRows.Count < context.Options.BatchSize;
            if (window > 0)
            {
                var horizonMs = context.Time.GetUtcNow().ToUnixTimeMilliseconds() - window;
                var horizon = Versions.FromEpochMs(table.Version!, horizonMs);
                var (b, _) = await PageAsync(context, baseToTarget: true, trailing.Base, start, horizon, compared, cancellationToken);
                var (t, _) = await PageAsync(context, baseToTarget: false, trailing.Target, start, horizon, compared, cancellationToken);
                compared.ForgetBefore(Math.Min(
                    trailing.Base.VersionMs ?? horizonMs, trailing.Target.VersionMs ?? horizonMs) - 1);
                trailing = (b.Count > 0 ? CursorOf(table, b[^1]) : trailing.Base, t.Count > 0 ? CursorOf(table, t[^1]) : trailing.Target);
                caughtUp &= b.Count < context.Options.BatchSize && t.Count < context.Options.BatchSize;
            }

            await context.Suspects.FlushAsync(all: caughtUp, cancellationToken);
            await context.Throttle.WaitAsync(baseRows.Count + otherRows.Count, cancellationToken);
            if (caughtUp)
            {
                progress.CaughtUp(context.Time.GetUtcNow());
                await Task.Delay(interval, context.Time, cancellationToken);
            }
        }
    }

    /// <summary>
    /// One page of rows changed after <paramref name="cursor"/> on one side (up to the <paramref name="upTo"/> version when
    /// given), each looked up on the other side; the keys that differ become suspects. Counted leaves out the target
    /// rows the base → target walk reads too (the base has them, changed since the start): one row checked, not two.
    /// </summary>
    private static async Task<(List<SideRow> Rows, int Counted)> PageAsync(
        TableContext context, bool baseToTarget, TableCursor cursor, object start, object? upTo, SeenVersions compared, CancellationToken cancellationToken)
    {
        var (table, reader) = (context.Table, context.Reader);
        var (side, other) = baseToTarget ? (context.BaseSide, context.OtherSide) : (context.OtherSide, context.BaseSide);
        var step = $"read {(baseToTarget ? "base" : "target")} rows changed after the {(upTo is null ? "" : "trailing ")}cursor";
        return await context.Steps.RunAsync(step, side, async ct =>
        {
            var changed = await reader.ReadChangedAfterAsync(
                table, side, Versions.Parse(table.Version!, cursor.Version) ?? start, Key(table, cursor), context.Options.BatchSize, ct, upTo);
            // The trailing walk compares only rows the main walk has not (a transaction that committed late): the others
            // are not even looked up on the other side.
            var toCompare = new List<SideRow>(changed.Count);
            foreach (var row in changed)
            {
                var version = row.Values[table.VersionIndex]!;
                var key = (baseToTarget, row.Key.ToText(), Versions.Text(version));
                if (upTo is null)
                {
                    compared.Add(key, Versions.ToEpochMs(version));
                }
                else if (compared.Contains(key))
                {
                    continue;
                }

                toCompare.Add(row);
            }

            var found = await reader.ReadByKeysAsync(table, other, toCompare.ConvertAll(r => r.Key), ct);
            var counted = 0;
            foreach (var row in toCompare)
            {
                var differs = !found.TryGetValue(row.Key, out var counterpart)
                    || (baseToTarget
                        ? ValueRules.DifferingColumns(table, row, counterpart) is not null
                        : Versions.Compare(row.Values[table.VersionIndex], counterpart.Values[table.VersionIndex]) > 0
                            && ValueRules.DifferingColumns(table, counterpart, row) is not null);
                if (differs)
                {
                    context.Suspects.Add(row.Key);
                }

                if (baseToTarget || counterpart is null || Versions.Compare(counterpart.Values[table.VersionIndex], start) < 0)
                {
                    counted++;
                }
            }

            return (changed, counted);
        }, cancellationToken);
    }

    private static TableCursor CursorOf(TableSpec table, SideRow row)
    {
        var version = row.Values[table.VersionIndex]!;
        return new TableCursor(Versions.Text(version), row.Key.ToText(), Versions.ToEpochMs(version));
    }

    /// <summary>A cursor <paramref name="windowMs"/> before <paramref name="cursor"/>'s version, before any key of it.</summary>
    private static TableCursor Behind(TableSpec table, TableCursor cursor, int windowMs) => cursor.VersionMs is { } ms
        ? new TableCursor(Versions.Text(Versions.FromEpochMs(table.Version!, ms - windowMs)), null, ms - windowMs)
        : TableCursor.Start;

    private static RowKey? Key(TableSpec table, TableCursor cursor) => cursor.Key is { } key ? RowKey.Parse(table, key) : null;

    /// <summary>(direction, key, version) the main walks compared, until the trailing walks have passed their version.</summary>
    private sealed class SeenVersions
    {
        private readonly HashSet<(bool, string, string)> _seen = [];
        private readonly PriorityQueue<(bool, string, string), long> _byVersion = new();

        public void Add((bool, string, string) row, long versionMs)
        {
            if (_seen.Add(row))
            {
                _byVersion.Enqueue(row, versionMs);
            }
        }

        public bool Contains((bool, string, string) row) => _seen.Contains(row);

        public void ForgetBefore(long versionMs)
        {
            while (_byVersion.TryPeek(out var row, out var version) && version < versionMs)
            {
                _byVersion.Dequeue();
                _seen.Remove(row);
            }
        }
    }
}

/// <summary>Version values (integer ms since the epoch, or DATETIME/TIMESTAMP read as UTC) and their text in a cursor.</summary>
internal static class Versions
{
    public static object FromEpochMs(VersionColumn version, long ms) => version.Kind == VersionKind.EpochMilliseconds
        ? ms
        : DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime;

    public static long ToEpochMs(object value) => value switch
    {
        DateTime d => new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Utc)).ToUnixTimeMilliseconds(),
        DateTimeOffset d => d.ToUnixTimeMilliseconds(),
        string s when DateTime.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d) =>
            new DateTimeOffset(d).ToUnixTimeMilliseconds(),
        _ => Convert.ToInt64(value, CultureInfo.InvariantCulture),
    };

    public static string Text(object value) => value switch
    {
        DateTime d => d.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture)!,
    };

    public static object? Parse(VersionColumn version, string? text) => text is null ? null
        : version.Kind == VersionKind.EpochMilliseconds ? long.Parse(text, CultureInfo.InvariantCulture)
        : DateTime.Parse(text, CultureInfo.InvariantCulture);

    public static int Compare(object? a, object? b) => (a, b) switch
    {
        (null, null) => 0,
        (null, _) => -1,
        (_, null) => 1,
        _ => ToEpochMs(a).CompareTo(ToEpochMs(b)) is var c and not 0 ? c : (a is DateTime x && b is DateTime y ? x.CompareTo(y) : 0),
    };
}
