using System.Globalization;
using Migration.Domain.Runs;
using Migration.Domain.Tables;

namespace Migration.Infrastructure.Validation;

/// <summary>
/// Incremental run: walks (version, key) after its cursor on each side with keyset pagination, looks the same keys up on
/// the other side with one query, and advances the cursor after every page; once both sides are caught up it waits the
/// run's interval and polls again, until stopped.
/// </summary>
internal sealed class VersionScanStrategy : IValidationStrategy
{
    public async Task RunAsync(TableContext context, CancellationToken cancellationToken)
    {
        var (table, reader, batch, progress) = (context.Table, context.Reader, context.Options.BatchSize, context.Progress);
        var start = Versions.FromEpochMs(table.Version!, context.Run.Utime);
        var interval = TimeSpan.FromMilliseconds(context.Run.IntervalMs);
        while (true)
        {
            // Base → target: rows changed in the base that are missing or different in the target.
            var baseCursor = progress.BaseCursor;
            var baseRows = await context.Steps.RunAsync("read base rows changed after the cursor", null, async ct =>
            {
                var changed = await reader.ReadChangedAfterAsync(table, context.BaseSide, Versions.Parse(table.Version!, baseCursor.Version) ?? start,
                    Key(table, baseCursor), batch, ct);
                var others = await reader.ReadByKeysAsync(table, context.OtherSide, changed.ConvertAll(r => r.Key), ct);
                foreach (var row in changed)
                {
                    if (!others.TryGetValue(row.Key, out var other) || ValueRules.DifferingColumns(table, row, other) is not null)
                    {
                        context.Suspects.Add(row.Key);
                    }
                }

                return changed;
            }, cancellationToken);
            if (baseRows.Count > 0)
            {
                var version = baseRows[^1].Values[table.VersionIndex]!;
                var ms = Versions.ToEpochMs(version);
                progress.AdvanceBase(new TableCursor(Versions.Text(version), baseRows[^1].Key.ToText(), ms), baseRows.Count,
                    Math.Max(0, context.Time.GetUtcNow().ToUnixTimeMilliseconds() - ms));
            }

            // Target → base: rows changed in the target that the base lacks, or that the target changed later than the
            // base (a row the base → target walk does not see again).
            var targetCursor = progress.TargetCursor;
            var (otherRows, notOnBaseWalk) = await context.Steps.RunAsync("read target rows changed after the cursor", null, async ct =>
            {
                var changed = await reader.ReadChangedAfterAsync(table, context.OtherSide, Versions.Parse(table.Version!, targetCursor.Version) ?? start,
                    Key(table, targetCursor), batch, ct);
                var bases = await reader.ReadByKeysAsync(table, context.BaseSide, changed.ConvertAll(r => r.Key), ct);
                var uncounted = 0;
                foreach (var row in changed)
                {
                    var onBase = bases.TryGetValue(row.Key, out var baseRow);
                    if (!onBase
                        || (Versions.Compare(row.Values[table.VersionIndex], baseRow!.Values[table.VersionIndex]) > 0
                            && ValueRules.DifferingColumns(table, baseRow, row) is not null))
                    {
                        context.Suspects.Add(row.Key);
                    }

                    // A row the base → target walk reads too (the base has it, changed since the start) is one row checked, not two.
                    if (!onBase || Versions.Compare(baseRow!.Values[table.VersionIndex], start) < 0)
                    {
                        uncounted++;
                    }
                }

                return (changed, uncounted);
            }, cancellationToken);
            if (otherRows.Count > 0)
            {
                var version = otherRows[^1].Values[table.VersionIndex]!;
                progress.AdvanceTarget(new TableCursor(Versions.Text(version), otherRows[^1].Key.ToText(), Versions.ToEpochMs(version)), notOnBaseWalk);
            }

            var caughtUp = baseRows.Count < batch && otherRows.Count < batch;
            await context.Suspects.FlushAsync(all: caughtUp, cancellationToken);
            await context.Throttle.WaitAsync(baseRows.Count + otherRows.Count, cancellationToken);
            if (caughtUp)
            {
                await Task.Delay(interval, context.Time, cancellationToken);
            }
        }
    }

    private static RowKey? Key(TableSpec table, TableCursor cursor) => cursor.Key is { } key ? RowKey.Parse(table, key) : null;
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
