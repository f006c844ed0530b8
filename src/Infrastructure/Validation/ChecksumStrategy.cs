using Migration.Domain.Tables;

namespace Migration.Infrastructure.Validation;

/// <summary>
/// Full run by checksums (MySQL; the default there): for each segment of <see cref="ChunkPlanner.SegmentChunks"/>
/// chunks each server computes <c>COUNT(*)</c> and <c>BIT_XOR</c> of the row checksums of every chunk; only where a
/// chunk differs are the row checksums of its range read and merged, and only keys whose checksums differ become
/// suspects, read in whole by <see cref="SuspectQueue"/>. Segments are compared <c>Parallelism</c> at a time. Where most
/// chunks differ the chunk pass is skipped (probing every eighth segment to notice when drift thins out).
/// </summary>
internal sealed class ChecksumStrategy : IValidationStrategy
{
    public Task RunAsync(TableContext context, CancellationToken cancellationToken) =>
        WalkAsync(context, new FullRunWalk(context), context.Options.Parallelism, cancellationToken);

    /// <summary>Compares the table's key range from where <paramref name="walk"/> starts to its end, <paramref name="parallelism"/> segments at a time.</summary>
    public static async Task WalkAsync(TableContext context, IKeyWalk walk, int parallelism, CancellationToken cancellationToken)
    {
        var progress = new SegmentProgress(walk);
        var density = new DriftDensity();
        await Parallel.ForEachAsync(
            ChunkPlanner.SegmentsAsync(context, walk, cancellationToken),
            new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            async (segment, ct) =>
            {
                var rows = await context.Steps.RunAsync("compare a segment's checksums", null, t => CompareAsync(context, walk, segment, density, t), ct);
                progress.Completed(segment, rows);
                await context.Suspects.FlushAsync(all: false, ct);
                await context.Throttle.WaitAsync(rows, ct);
            });
    }

    private static async Task<int> CompareAsync(TableContext context, IKeyWalk walk, Segment segment, DriftDensity density, CancellationToken cancellationToken)
    {
        var (table, reader) = (context.Table, context.Reader);
        if (density.SkipChunks(segment.Index))
        {
            return await CompareRowsAsync(context, walk, ChunkPlanner.Merge(segment.Chunks), cancellationToken);
        }

        var b = reader.ReadChunkChecksumsAsync(table, context.BaseSide, segment.Chunks, cancellationToken);
        var o = reader.ReadChunkChecksumsAsync(table, context.OtherSide, segment.Chunks, cancellationToken);
        var (baseChunks, otherChunks) = (await b, await o);
        var (rows, equal) = (0, 0);
        var differing = new List<KeyRange>();
        for (var i = 0; i < segment.Chunks.Count; i++)
        {
            if (baseChunks[i] is null && otherChunks[i] is null)
            {
                continue;
            }

            if (baseChunks[i] == otherChunks[i])
            {
                rows += (int)baseChunks[i]!.Value.Count;
                equal++;
            }
            else
            {
                differing.Add(segment.Chunks[i]);
            }
        }

        density.Observe(differing.Count, differing.Count + equal);
        return differing.Count == 0 ? rows : rows + await CompareRowsAsync(context, walk, ChunkPlanner.Merge(differing), cancellationToken);
    }

    /// <summary>Compares the row checksums of the ranges and adds the keys that differ to the suspects.</summary>
    private static async Task<int> CompareRowsAsync(TableContext context, IKeyWalk walk, List<KeyRange> ranges, CancellationToken cancellationToken)
    {
        var (table, reader) = (context.Table, context.Reader);
        // A single signed integer key is merged as numbers: no key object per row, only per suspect.
        var (rows, suspects) = table.Key is [{ Kind: ColumnKind.Integer } column]
            ? await Merge.SuspectsAsync(
                reader.ReadIntegerRowChecksumsAsync(table, context.BaseSide, ranges, cancellationToken),
                reader.ReadIntegerRowChecksumsAsync(table, context.OtherSide, ranges, cancellationToken),
                (x, y) => x.Id.CompareTo(y.Id), r => RowKey.Of(column.Name, r.Id), (x, y) => x.Checksum != y.Checksum, cancellationToken)
            : await Merge.SuspectsAsync(
                reader.ReadRowChecksumsAsync(table, context.BaseSide, ranges, cancellationToken),
                reader.ReadRowChecksumsAsync(table, context.OtherSide, ranges, cancellationToken),
                (x, y) => x.Key.CompareTo(y.Key), r => r.Key, (x, y) => x.Checksum != y.Checksum, cancellationToken);
        foreach (var key in suspects)
        {
            walk.Suspect(key);
        }

        return rows;
    }

    /// <summary>Where most chunks differ, chunk checksums only cost a pass that finds everything suspect.</summary>
    private sealed class DriftDensity
    {
        private const int ProbeEvery = 8;
        private volatile bool _dense;

        public bool SkipChunks(int segmentIndex) => _dense && segmentIndex % ProbeEvery != 0;

        public void Observe(int differing, int total) => _dense = differing * 2 > total;
    }

    /// <summary>
    /// Moves the walk's cursor over segments that workers finish out of order: only up to the end of the longest run of
    /// finished segments from the start, so a checkpoint never passes an unchecked range. Rows are counted at once.
    /// </summary>
    private sealed class SegmentProgress(IKeyWalk walk)
    {
        private readonly SortedDictionary<int, RowKey?> _done = [];
        private int _next;

        public void Completed(Segment segment, int rows)
        {
            walk.Counted(rows);
            lock (_done)
            {
                _done[segment.Index] = segment.End;
                while (_done.Remove(_next, out var end))
                {
                    if (end is not null)
                    {
                        walk.Reached(end);
                    }

                    _next++;
                }
            }
        }
    }
}
