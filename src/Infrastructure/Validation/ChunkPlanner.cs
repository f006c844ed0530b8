using System.Runtime.CompilerServices;
using Migration.Domain.Tables;

namespace Migration.Infrastructure.Validation;

/// <summary>A run of consecutive chunks: the unit a full run's workers take, and the step of its cursor.</summary>
/// <param name="Chunks">The chunks, in key order, each compared by one checksum per side.</param>
/// <param name="End">The segment's last key (inclusive), or null when it runs to the end of the table.</param>
internal sealed record Segment(int Index, IReadOnlyList<KeyRange> Chunks, RowKey? End);

/// <summary>
/// Chunk geometry for the checksum pass. A single integer key is cut arithmetically into ranges of about
/// <c>ChunkRows</c> keys, from the engine's row estimate (no walk: as fast as it was); any other key walks the base
/// side's primary key in steps of <c>ChunkRows</c> rows (pt-table-checksum's nibbling), so text, binary and composite
/// keys get the same fast path. The last chunk of a table is open-ended, and holds what only the other side has.
/// </summary>
internal static class ChunkPlanner
{
    /// <summary>Chunks per segment: with the default 4,000 rows per chunk, about 128,000 rows per segment.</summary>
    public const int SegmentChunks = 32;

    /// <summary>The segments of the table's key range after the walk's start, each of chunks of about the walk's rows.</summary>
    public static IAsyncEnumerable<Segment> SegmentsAsync(TableContext context, IKeyWalk walk, CancellationToken cancellationToken) =>
        context.Table.HasSingleIntegerKey && context.Table.Key[0].Kind == ColumnKind.Integer
            ? IntegerSegmentsAsync(context, walk.After?.AsInt64, walk.EstimatedRows, walk.ChunkRows, cancellationToken)
            : WalkedSegmentsAsync(context, walk.After, walk.ChunkRows, cancellationToken);

    private static async IAsyncEnumerable<Segment> IntegerSegmentsAsync(
        TableContext context, long? after, long estimatedRows, int chunkRows, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (table, reader) = (context.Table, context.Reader);
        var column = table.Key[0].Name;
        if (after == long.MaxValue)
        {
            yield break;
        }

        var (b, o) = await context.Steps.RunAsync("read the key range", null, async ct =>
        {
            var x = reader.ReadIntegerBoundsAsync(table, context.BaseSide, ct);
            var y = reader.ReadIntegerBoundsAsync(table, context.OtherSide, ct);
            return (await x, await y);
        }, cancellationToken);
        if (b.Min is null && o.Min is null)
        {
            yield break;
        }

        var width = Width(Math.Min(b.Min ?? long.MaxValue, o.Min ?? long.MaxValue), Math.Max(b.Max ?? long.MinValue, o.Max ?? long.MinValue),
            estimatedRows, chunkRows);
        var next = after is { } a ? a + 1 : long.MinValue;
        for (var index = 0; ; index++)
        {
            var from = next;
            // Each segment starts at the next key present on either side, so sparse keys cost no empty ranges.
            var start = await context.Steps.RunAsync("find the next key", null, async ct =>
            {
                var x = reader.ReadNextIntegerKeyAsync(table, context.BaseSide, from, ct);
                var y = reader.ReadNextIntegerKeyAsync(table, context.OtherSide, from, ct);
                var (p, q) = (await x, await y);
                return p is null ? q : q is null ? p : Math.Min(p.Value, q.Value);
            }, cancellationToken);
            if (start is null)
            {
                yield break;
            }

            var end = (long)Int128.Min(long.MaxValue, (Int128)start.Value + ((Int128)width * SegmentChunks) - 1);
            var chunks = new List<KeyRange>();
            for (var k = (Int128)start.Value; k <= end; k += width)
            {
                var upTo = (long)Int128.Min(end, k + width - 1);
                chunks.Add(new KeyRange(k == long.MinValue ? null : RowKey.Of(column, (long)k - 1), RowKey.Of(column, upTo)));
            }

            yield return new Segment(index, chunks, RowKey.Of(column, end));
            if (end == long.MaxValue)
            {
                yield break;
            }

            next = end + 1;
        }
    }

    /// <summary>Keys per chunk so that a chunk holds about <paramref name="chunkRows"/> rows if keys are spread evenly.</summary>
    private static long Width(long min, long max, long estimatedRows, int chunkRows)
    {
        if (estimatedRows <= 0)
        {
            return chunkRows;
        }

        var span = (Int128)max - min + 1;
        var chunks = Math.Max(1, (estimatedRows + chunkRows - 1) / chunkRows);
        return (long)Int128.Clamp((span + chunks - 1) / chunks, 1, long.MaxValue / SegmentChunks);
    }

    private static async IAsyncEnumerable<Segment> WalkedSegmentsAsync(
        TableContext context, RowKey? after, int chunkRows, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var index = 0; ; index++)
        {
            var from = after;
            var boundaries = await context.Steps.RunAsync("walk the key for chunk boundaries", context.BaseSide,
                ct => context.Reader.ReadBoundariesAsync(context.Table, context.BaseSide, from, chunkRows, SegmentChunks, ct),
                cancellationToken);
            var chunks = new List<KeyRange>();
            var previous = from;
            foreach (var boundary in boundaries)
            {
                chunks.Add(new KeyRange(previous, boundary));
                previous = boundary;
            }

            var last = boundaries.Count < SegmentChunks;
            if (last)
            {
                // The rest of the base, and whatever only the other side has beyond it.
                chunks.Add(new KeyRange(previous, null));
            }

            yield return new Segment(index, chunks, last ? null : previous);
            if (last)
            {
                yield break;
            }

            after = previous;
        }
    }

    /// <summary>Neighbouring ranges (one's end is the next one's start) become one.</summary>
    public static List<KeyRange> Merge(IEnumerable<KeyRange> ranges)
    {
        var merged = new List<KeyRange>();
        foreach (var range in ranges)
        {
            if (merged.Count > 0 && merged[^1].UpTo is { } end && range.After is { } start && end.Equals(start))
            {
                merged[^1] = merged[^1] with { UpTo = range.UpTo };
            }
            else
            {
                merged.Add(range);
            }
        }

        return merged;
    }

}
