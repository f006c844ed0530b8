using Migration.Domain.Tables;

namespace Migration.Infrastructure.Validation;

/// <summary>
/// Full run by rows, the ground truth (and always so on SQLite): both sides read by key, one page per side and batch,
/// and merged. Only keys up to the smaller last key of a full page are known on both sides; the rest is read again.
/// </summary>
internal sealed class RowScanStrategy : IValidationStrategy
{
    public Task RunAsync(TableContext context, CancellationToken cancellationToken) =>
        WalkAsync(context, new FullRunWalk(context), cancellationToken);

    /// <summary>Compares the table's rows from where <paramref name="walk"/> starts to the end.</summary>
    public static async Task WalkAsync(TableContext context, IKeyWalk walk, CancellationToken cancellationToken)
    {
        var (table, reader, batch) = (context.Table, context.Reader, context.Options.BatchSize);
        var after = walk.After;
        while (true)
        {
            var from = after;
            var (baseRows, otherRows) = await context.Steps.RunAsync("read a page by key", null, async ct =>
            {
                var b = reader.ReadAfterAsync(table, context.BaseSide, from, batch, ct);
                var o = reader.ReadAfterAsync(table, context.OtherSide, from, batch, ct);
                return (await b, await o);
            }, cancellationToken);

            var (baseFull, otherFull) = (baseRows.Count == batch, otherRows.Count == batch);
            RowKey? upper = (baseFull, otherFull) switch
            {
                (true, true) => Min(baseRows[^1].Key, otherRows[^1].Key),
                (true, false) => baseRows[^1].Key,
                (false, true) => otherRows[^1].Key,
                _ => null,
            };
            var (checkedRows, last) = Merge.Suspects(
                baseRows.Where(r => upper is null || r.Key <= upper), otherRows.Where(r => upper is null || r.Key <= upper), r => r.Key,
                (b, o) => ValueRules.DifferingColumns(table, b, o) is not null, walk.Suspect);
            if (last is not null)
            {
                walk.Counted(checkedRows);
                walk.Reached(last);
            }

            if (upper is null)
            {
                return;
            }

            after = upper;
            await context.Suspects.FlushAsync(all: false, cancellationToken);
            await context.Throttle.WaitAsync(checkedRows, cancellationToken);
        }
    }

    private static RowKey Min(RowKey a, RowKey b) => a <= b ? a : b;
}
