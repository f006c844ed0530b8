using Migration.Domain.Runs;
using Migration.Domain.Tables;

namespace Migration.Infrastructure.Validation;

/// <summary>
/// Incremental runs: the rolling sweep of one table, beside its version walk (or alone, for a table without a version
/// column). Each pass walks the whole key range with the full run's checksum pass (by rows where the servers compute no
/// checksum), one segment at a time, at the sweep's own rate (<see cref="SweepProgress.MaxRowsPerSecond"/>), and the next
/// starts over from the first key, until the run is stopped. Keys that differ join the table's suspects, so they are
/// re-checked and repaired like the version walk's. A pass is complete once its suspects have been re-checked and
/// published. A key that is already waiting, or was published a moment ago and may not be repaired yet, is not suspected
/// again (<see cref="SuspectQueue.AddSwept"/>). Segments are sized to about a second of the rate, so the sweep reads in small steps, never in bursts.
/// </summary>
internal sealed class SweepStrategy(SweepProgress sweep) : IValidationStrategy
{
    public async Task RunAsync(TableContext context, CancellationToken cancellationToken)
    {
        using var throttle = new RowThrottle(sweep.MaxRowsPerSecond);
        var swept = context with { Throttle = throttle };
        var checksums = context.Options.ChunkRows > 0 && context.Reader.CanChecksum(context.Table);
        var chunkRows = (int)Math.Clamp(sweep.MaxRowsPerSecond / ChunkPlanner.SegmentChunks, 1, Math.Max(1, context.Options.ChunkRows));
        // Between passes, so that an empty or tiny table is not swept in a busy loop.
        var pause = TimeSpan.FromMilliseconds(Math.Max(1, context.Run.IntervalMs));
        while (true)
        {
            var estimate = await context.Steps.RunAsync("estimate the row count", null, async ct =>
            {
                var b = context.Reader.EstimateRowsAsync(context.Table, context.BaseSide, ct);
                var o = context.Reader.EstimateRowsAsync(context.Table, context.OtherSide, ct);
                return Math.Max(await b, await o);
            }, cancellationToken);
            var cursor = sweep.BeginPass(context.Time.GetUtcNow(), estimate);
            var walk = new SweepWalk(sweep, context.Suspects, cursor is null ? null : RowKey.Parse(context.Table, cursor), chunkRows);
            if (checksums)
            {
                await ChecksumStrategy.WalkAsync(swept, walk, parallelism: 1, cancellationToken);
            }
            else
            {
                await RowScanStrategy.WalkAsync(swept, walk, cancellationToken);
            }

            await context.Suspects.FlushAsync(all: true, cancellationToken);
            sweep.CompletePass(context.Time.GetUtcNow());
            await Task.Delay(pause, context.Time, cancellationToken);
        }
    }

    /// <summary>One pass: from the sweep's cursor, reporting to the sweep, never to the table's version cursors.</summary>
    private sealed class SweepWalk(SweepProgress sweep, SuspectQueue suspects, RowKey? after, int chunkRows) : IKeyWalk
    {
        public RowKey? After => after;

        public long EstimatedRows => sweep.EstimatedRows;

        public int ChunkRows => chunkRows;

        public void Counted(int rows) => sweep.Counted(rows);

        public void Reached(RowKey through) => sweep.Reached(through.ToText());

        public void Suspect(RowKey key) => suspects.AddSwept(key);
    }
}
