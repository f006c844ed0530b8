using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Migration.Application.Abstractions;
using Migration.Application.Common;
using Migration.Domain;
using Migration.Domain.Inconsistencies;
using Migration.Domain.Runs;
using Migration.Infrastructure.Options;
using Migration.Infrastructure.Resilience;
using Polly;
using Polly.Registry;

namespace Migration.Infrastructure.Validation;

/// <summary>
/// Batch-compares the two sides with keyset pagination and never <c>OFFSET</c>.
/// <list type="bullet">
/// <item>Full runs on MySQL compare per-chunk checksums computed by each server, then row checksums inside the
/// chunks that differ, and read whole rows only for the ids that differ.</item>
/// <item>Full runs elsewhere (or with <see cref="ValidationOptions.ChunkRows"/> 0) merge both sides by id, one
/// range query per side and batch: the row-level path, which is the ground truth.</item>
/// <item>Incremental runs walk <c>(utime, id)</c> on each side and look the same ids up on the other.</item>
/// </list>
/// Every suspect is read again in whole on both sides after <see cref="ValidationOptions.RecheckDelayMs"/> and
/// published only if it still differs, classified as it is then, with the differing columns.
/// </summary>
internal sealed partial class TableValidator(
    TableReader reader,
    IInconsistencyPublisher publisher,
    IOptions<MigrationOptions> options,
    TimeProvider time,
    ILogger<TableValidator> logger,
    ResiliencePipelineProvider<string> pipelines) : ITableValidator
{
    /// <summary>
    /// Chunks per segment: the unit a full run's workers take, and the step of its cursor. With the default 4,000 rows
    /// per chunk a segment holds about 128,000 rows, so even a million-row table gives every worker several.
    /// </summary>
    private const int SegmentChunks = 32;

    /// <summary>Suspects held before they are re-checked mid-run, bounding memory under heavy drift.</summary>
    private const int MaxPendingSuspects = 10_000;

    private readonly ValidationOptions _options = options.Value.Validation;
    private readonly TableReader _reader = reader;
    private readonly IInconsistencyPublisher _publisher = publisher;
    private readonly TimeProvider _time = time;
    private readonly ResiliencePipeline _retry = pipelines.GetPipeline(RetryPipelines.Validation);

    public string Table => options.Value.Table;

    public async Task RunAsync(ValidationRun run, CancellationToken cancellationToken)
    {
        var schema = await RetryAsync(run, "read the table's columns", () => _reader.RefreshSchemaAsync(cancellationToken), cancellationToken);
        EnsureComparable(schema, run.Kind);
        var suspects = new Suspects(this, run, schema, walksById: run.Kind == RunKind.Full);
        using var throttle = new RowThrottle(run.MaxRowsPerSecond);
        if (run.Kind == RunKind.Incremental)
        {
            await RunIncrementalAsync(run, schema, suspects, throttle, cancellationToken);
            return;
        }

        run.Estimate(await RetryAsync(run, "estimate the row count", async () =>
        {
            var b = _reader.EstimateRowsAsync(schema, run.BaseSide, cancellationToken);
            var o = _reader.EstimateRowsAsync(schema, run.BaseSide.Other(), cancellationToken);
            return Math.Max(await b, await o);
        }, cancellationToken));
        if (_options.ChunkRows > 0 && _reader.CanChecksum)
        {
            await RunFullByChecksumsAsync(run, schema, suspects, throttle, cancellationToken);
        }
        else
        {
            await RunFullByRowsAsync(run, schema, suspects, throttle, cancellationToken);
        }

        await suspects.FlushAsync(all: true, cancellationToken);
    }

    public async Task EnsureComparableAsync(RunKind kind, CancellationToken cancellationToken)
    {
        try
        {
            EnsureComparable(await _reader.RefreshSchemaAsync(cancellationToken), kind);
        }
        catch (TableShapeException ex)
        {
            throw new ConflictException(ex.Message, new Dictionary<string, object?>
            {
                ["table"] = ex.Table,
                ["column"] = ex.Column,
                ["side"] = ex.Side?.ToWire(),
            });
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Not a refusal: the run reads the columns again (retrying while the database does not answer) and fails
            // on a table it cannot compare.
            LogShapeUnchecked(ex, Table, kind);
        }
    }

    /// <summary>The checks that depend on the run's kind, on top of those <see cref="TableReader.RefreshSchemaAsync"/> makes for every run.</summary>
    private static void EnsureComparable(TableSchema schema, RunKind kind)
    {
        if (kind == RunKind.Incremental && !schema.UtimeIsInteger)
        {
            throw new TableShapeException(
                $"Table '{schema.Table}' has a column '{TableSchema.UtimeColumn}' that is not an integer on both sides; "
                + "incremental validation walks it as milliseconds since the epoch.",
                schema.Table, TableSchema.UtimeColumn);
        }
    }

    private async Task RunFullByRowsAsync(ValidationRun run, TableSchema schema, Suspects suspects, RowThrottle throttle, CancellationToken cancellationToken)
    {
        var baseSide = run.BaseSide;
        var batch = _options.BatchSize;
        // Null until a row is read: a cursor at the smallest id has read nothing yet (RowCursor), so that id is read too.
        long? after = run.BaseCursor.IsBeforeEveryId ? null : run.BaseCursor.Id;
        while (true)
        {
            var (baseRows, otherRows) = await RetryAsync(run, "read a batch by id", async () =>
            {
                var b = _reader.ReadAfterIdAsync(schema, baseSide, after, batch, cancellationToken);
                var o = _reader.ReadAfterIdAsync(schema, baseSide.Other(), after, batch, cancellationToken);
                return (await b, await o);
            }, cancellationToken);

            // Only ids up to the smaller last id of a full batch are known on both sides; the rest is read again.
            var baseFull = baseRows.Count == batch;
            var otherFull = otherRows.Count == batch;
            var upper = Math.Min(baseFull ? baseRows[^1].Id : long.MaxValue, otherFull ? otherRows[^1].Id : long.MaxValue);
            var (checkedRows, last) = Merge(
                baseRows.Where(r => r.Id <= upper), otherRows.Where(r => r.Id <= upper), r => r.Id,
                (b, o) => ValueComparer.DifferingColumns(schema, b, o) is not null, suspects);
            if (checkedRows > 0)
            {
                run.AdvanceBase(new RowCursor(0, last), checkedRows);
            }

            if (!baseFull && !otherFull)
            {
                return;
            }

            after = upper;
            await suspects.FlushAsync(all: false, cancellationToken);
            await throttle.WaitAsync(checkedRows, cancellationToken);
        }
    }

    private async Task RunFullByChecksumsAsync(ValidationRun run, TableSchema schema, Suspects suspects, RowThrottle throttle, CancellationToken cancellationToken)
    {
        var baseSide = run.BaseSide;
        var (b, o) = await RetryAsync(run, "read the id range", async () =>
        {
            var x = _reader.ReadBoundsAsync(schema, baseSide, cancellationToken);
            var y = _reader.ReadBoundsAsync(schema, baseSide.Other(), cancellationToken);
            return (await x, await y);
        }, cancellationToken);
        if (b.Min is null && o.Min is null)
        {
            return;
        }

        var width = ChunkWidth(Math.Min(b.Min ?? long.MaxValue, o.Min ?? long.MaxValue), Math.Max(b.Max ?? long.MinValue, o.Max ?? long.MinValue),
            run.EstimatedRows);
        var progress = new SegmentProgress(run);
        var density = new DriftDensity();
        await Parallel.ForEachAsync(
            SegmentsAsync(run, schema, width, cancellationToken),
            new ParallelOptions { MaxDegreeOfParallelism = _options.Parallelism, CancellationToken = cancellationToken },
            async (segment, ct) =>
            {
                var rows = await RetryAsync(run, "compare a chunk range", () => CompareSegmentAsync(schema, baseSide, segment, width, density, suspects, ct), ct);
                progress.Completed(segment, rows);
                await suspects.FlushAsync(all: false, ct);
                await throttle.WaitAsync(rows, ct);
            });
    }

    /// <summary>Ids per chunk so that a chunk holds about <see cref="ValidationOptions.ChunkRows"/> rows if ids are spread evenly.</summary>
    private long ChunkWidth(long min, long max, long estimatedRows)
    {
        if (estimatedRows <= 0)
        {
            return _options.ChunkRows;
        }

        var span = (Int128)max - min + 1;
        var chunks = Math.Max(1, (estimatedRows + _options.ChunkRows - 1) / _options.ChunkRows);
        return (long)Int128.Clamp((span + chunks - 1) / chunks, 1, long.MaxValue / SegmentChunks);
    }

    /// <summary>
    /// Id ranges of <see cref="SegmentChunks"/> chunks, each starting at the next id present on either side, so
    /// sparse ids (gaps, ids near the BIGINT limits) cost no empty ranges.
    /// </summary>
    private async IAsyncEnumerable<Segment> SegmentsAsync(
        ValidationRun run, TableSchema schema, long width, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // A resumed run goes on after its cursor.
        if (run.BaseCursor.Id == long.MaxValue)
        {
            yield break;
        }

        var next = run.BaseCursor.Id == long.MinValue ? long.MinValue : run.BaseCursor.Id + 1;
        for (var index = 0; ; index++)
        {
            var from = next;
            var start = await RetryAsync(run, "find the next id", async () =>
            {
                var b = _reader.ReadNextIdAsync(schema, run.BaseSide, from, cancellationToken);
                var o = _reader.ReadNextIdAsync(schema, run.BaseSide.Other(), from, cancellationToken);
                var (x, y) = (await b, await o);
                return x is null ? y : y is null ? x : Math.Min(x.Value, y.Value);
            }, cancellationToken);
            if (start is null)
            {
                yield break;
            }

            var end = (long)Int128.Min(long.MaxValue, (Int128)start.Value + ((Int128)width * SegmentChunks) - 1);
            yield return new Segment(index, start.Value, end);
            if (end == long.MaxValue)
            {
                yield break;
            }

            next = end + 1;
        }
    }

    /// <summary>Compares one id range: chunk checksums first, then row checksums inside the chunks that differ.</summary>
    private async Task<int> CompareSegmentAsync(
        TableSchema schema, Direction baseSide, Segment segment, long width, DriftDensity density, Suspects suspects, CancellationToken cancellationToken)
    {
        if (density.SkipChunks(segment.Index))
        {
            return await CompareRowChecksumsAsync(schema, baseSide, segment, width, null, suspects, cancellationToken);
        }

        var b = _reader.ReadChunkChecksumsAsync(schema, baseSide, segment.From, segment.To, width, SegmentChunks, cancellationToken);
        var o = _reader.ReadChunkChecksumsAsync(schema, baseSide.Other(), segment.From, segment.To, width, SegmentChunks, cancellationToken);
        var (baseChunks, otherChunks) = (await b, await o);
        var (rows, equal) = (0, 0);
        var differing = new List<long>();
        foreach (var chunk in baseChunks.Keys.Union(otherChunks.Keys))
        {
            if (baseChunks.TryGetValue(chunk, out var x) && otherChunks.TryGetValue(chunk, out var y) && x == y)
            {
                rows += (int)x.Count;
                equal++;
            }
            else
            {
                differing.Add(chunk);
            }
        }

        density.Observe(differing.Count, differing.Count + equal);
        return differing.Count == 0 ? rows : rows + await CompareRowChecksumsAsync(schema, baseSide, segment, width, differing, suspects, cancellationToken);
    }

    /// <summary>Compares the row checksums of a range (of some of its chunks, if given) and adds the ids that differ to the suspects.</summary>
    private async Task<int> CompareRowChecksumsAsync(
        TableSchema schema, Direction baseSide, Segment segment, long width, List<long>? chunks, Suspects suspects, CancellationToken cancellationToken)
    {
        var ranges = new List<(long From, long To)>();
        foreach (var (from, to) in chunks is null ? [(segment.From, segment.To)] : chunks.Order().Select(c => TableReader.ChunkRange(segment.From, segment.To, width, c)))
        {
            // Neighbouring chunks become one range.
            if (ranges.Count > 0 && ranges[^1].To + 1 == from)
            {
                ranges[^1] = (ranges[^1].From, to);
            }
            else
            {
                ranges.Add((from, to));
            }
        }

        var b = _reader.ReadRowChecksumsAsync(schema, baseSide, ranges, cancellationToken);
        var o = _reader.ReadRowChecksumsAsync(schema, baseSide.Other(), ranges, cancellationToken);
        var (baseRows, otherRows) = (await b, await o);
        return Merge(baseRows, otherRows, r => r.Id, (x, y) => x.Checksum != y.Checksum, suspects).Checked;
    }

    /// <summary>
    /// Walks two id-ordered sequences together; an id on one side only, or on both but <paramref name="differ"/>,
    /// becomes a suspect. Returns how many distinct ids it saw and the last one.
    /// </summary>
    private static (int Checked, long Last) Merge<T>(
        IEnumerable<T> baseRows, IEnumerable<T> otherRows, Func<T, long> id, Func<T, T, bool> differ, Suspects suspects)
    {
        using var b = baseRows.GetEnumerator();
        using var o = otherRows.GetEnumerator();
        var (hasB, hasO) = (b.MoveNext(), o.MoveNext());
        var (count, last) = (0, long.MinValue);
        while (hasB || hasO)
        {
            count++;
            if (hasB && (!hasO || id(b.Current) < id(o.Current)))
            {
                last = id(b.Current);
                suspects.Add(last);
                hasB = b.MoveNext();
            }
            else if (hasO && (!hasB || id(o.Current) < id(b.Current)))
            {
                last = id(o.Current);
                suspects.Add(last);
                hasO = o.MoveNext();
            }
            else
            {
                last = id(b.Current);
                if (differ(b.Current, o.Current))
                {
                    suspects.Add(last);
                }

                (hasB, hasO) = (b.MoveNext(), o.MoveNext());
            }
        }

        return (count, last);
    }

    private async Task RunIncrementalAsync(ValidationRun run, TableSchema schema, Suspects suspects, RowThrottle throttle, CancellationToken cancellationToken)
    {
        var baseSide = run.BaseSide;
        var otherSide = baseSide.Other();
        var batch = _options.BatchSize;
        var interval = TimeSpan.FromMilliseconds(run.IntervalMs);
        // A cursor at the smallest id has read no row of its utime yet (RowCursor): each walk reads the whole of that
        // utime until its first row.
        var (baseWholeUtime, targetWholeUtime) = (run.BaseCursor.IsBeforeEveryId, run.TargetCursor.IsBeforeEveryId);
        while (true)
        {
            // Base → target: rows changed in the base that are missing or different in the target.
            var baseRows = await RetryAsync(run, "read base rows changed after the cursor", async () =>
            {
                var changed = await _reader.ReadChangedAfterAsync(schema, baseSide, run.BaseCursor, baseWholeUtime, batch, cancellationToken);
                var others = await _reader.ReadByIdsAsync(schema, otherSide, changed.ConvertAll(r => r.Id), cancellationToken);
                foreach (var row in changed)
                {
                    if (!others.TryGetValue(row.Id, out var other) || ValueComparer.DifferingColumns(schema, row, other) is not null)
                    {
                        suspects.Add(row.Id);
                    }
                }

                return changed;
            }, cancellationToken);
            if (baseRows.Count > 0)
            {
                run.AdvanceBase(new RowCursor(baseRows[^1].Utime(schema), baseRows[^1].Id), baseRows.Count);
                baseWholeUtime = false;
            }

            // Target → base: rows changed in the target that the base lacks, or that the target changed later
            // than the base (a row the base → target walk does not see again).
            var otherRows = await RetryAsync(run, "read target rows changed after the cursor", async () =>
            {
                var changed = await _reader.ReadChangedAfterAsync(schema, otherSide, run.TargetCursor, targetWholeUtime, batch, cancellationToken);
                var bases = await _reader.ReadByIdsAsync(schema, baseSide, changed.ConvertAll(r => r.Id), cancellationToken);
                foreach (var row in changed)
                {
                    if (!bases.TryGetValue(row.Id, out var baseRow)
                        || (row.Utime(schema) > baseRow.Utime(schema) && ValueComparer.DifferingColumns(schema, baseRow, row) is not null))
                    {
                        suspects.Add(row.Id);
                    }
                }

                return changed;
            }, cancellationToken);
            if (otherRows.Count > 0)
            {
                run.AdvanceTarget(new RowCursor(otherRows[^1].Utime(schema), otherRows[^1].Id), otherRows.Count);
                targetWholeUtime = false;
            }

            var caughtUp = baseRows.Count < batch && otherRows.Count < batch;
            await suspects.FlushAsync(all: caughtUp, cancellationToken);
            await throttle.WaitAsync(baseRows.Count + otherRows.Count, cancellationToken);
            if (caughtUp)
            {
                await Task.Delay(interval, _time, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Runs one step through the <c>validation</c> retry pipeline until it succeeds, waiting longer after each
    /// failure. A step is a read or a publish that changes nothing until it has succeeded, so a retry never skips
    /// rows. Cancellation and a table that cannot be compared end the run instead.
    /// </summary>
    private async Task<T> RetryAsync<T>(ValidationRun run, string step, Func<Task<T>> action, CancellationToken cancellationToken) =>
        await _retry.ExecuteAsync(
            async _ => await action(),
            (ex, _, delay) =>
            {
                run.RecordError($"Failed to {step}: {ex.Message}", _time.GetUtcNow());
                LogRetrying(ex, run.Id, run.Table, step, (int)delay.TotalMilliseconds);
            },
            cancellationToken);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the columns of {Table} before starting a {Kind} run; the run will read them again")]
    private partial void LogShapeUnchecked(Exception exception, string table, RunKind kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} on {Table} failed to {Step}; retrying in {DelayMs} ms")]
    private partial void LogRetrying(Exception exception, Guid runId, string table, string step, int delayMs);

    private sealed record Segment(int Index, long From, long To);

    /// <summary>
    /// Where most chunks differ, chunk checksums only cost a pass that finds everything suspect: then segments go
    /// straight to row checksums, and every eighth one probes the chunks again to notice when drift thins out.
    /// </summary>
    private sealed class DriftDensity
    {
        private const int ProbeEvery = 8;
        private volatile bool _dense;

        public bool SkipChunks(int segmentIndex) => _dense && segmentIndex % ProbeEvery != 0;

        public void Observe(int differing, int total) => _dense = differing * 2 > total;
    }

    /// <summary>
    /// Moves a full run's cursor over segments that workers finish out of order: only up to the end of the
    /// longest run of finished segments from the start, so a checkpoint never passes an unchecked range.
    /// </summary>
    private sealed class SegmentProgress(ValidationRun run)
    {
        private readonly SortedDictionary<int, (long To, int Rows)> _done = [];
        private int _next;

        public void Completed(Segment segment, int rows)
        {
            lock (_done)
            {
                _done[segment.Index] = (segment.To, rows);
                while (_done.Remove(_next, out var finished))
                {
                    run.AdvanceBase(new RowCursor(0, finished.To), finished.Rows);
                    _next++;
                }
            }
        }
    }

    /// <summary>
    /// Ids that differed once, waiting for their second look. Each is read again in whole on both sides once its
    /// delay has passed and published only if it still differs, classified as it is then. Adds may come from
    /// several workers; flushes run one at a time.
    /// </summary>
    private sealed class Suspects(TableValidator validator, ValidationRun run, TableSchema schema, bool walksById)
    {
        private readonly List<(long Id, long FoundAt)> _pending = [];
        private readonly SemaphoreSlim _flushing = new(1, 1);
        private readonly TimeSpan _delay = TimeSpan.FromMilliseconds(validator._options.RecheckDelayMs);

        public void Add(long id)
        {
            lock (_pending)
            {
                _pending.Add((id, validator._time.GetTimestamp()));
            }

            run.RecordSuspect();
        }

        /// <summary>
        /// Re-checks and publishes the suspects whose delay has passed, or all of them (waiting out the delay), then
        /// moves the run's safe cursors up to what has been reported.
        /// </summary>
        public async Task FlushAsync(bool all, CancellationToken cancellationToken)
        {
            await _flushing.WaitAsync(cancellationToken);
            try
            {
                await FlushDueAsync(all, cancellationToken);
                MarkSafe();
            }
            finally
            {
                _flushing.Release();
            }
        }

        /// <summary>
        /// Runs that walk by id are safe up to just before the smallest id still waiting; incremental runs, whose
        /// suspects come from two cursors, only when nothing waits.
        /// </summary>
        private void MarkSafe()
        {
            long? smallest;
            lock (_pending)
            {
                smallest = _pending.Count == 0 ? null : _pending.Min(s => s.Id);
            }

            if (smallest is null)
            {
                run.MarkSafe(run.BaseCursor, run.TargetCursor);
            }
            else if (walksById)
            {
                var before = smallest == long.MinValue ? long.MinValue : smallest.Value - 1;
                run.MarkSafe(new RowCursor(run.BaseCursor.Utime, before), run.TargetCursor);
            }
        }

        private async Task FlushDueAsync(bool all, CancellationToken cancellationToken)
        {
            List<(long Id, long FoundAt)> due;
            lock (_pending)
            {
                var count = all ? _pending.Count
                    : _pending.Count >= MaxPendingSuspects ? _pending.Count
                    : _pending.FindIndex(s => validator._time.GetElapsedTime(s.FoundAt) < _delay) is var n and >= 0 ? n : _pending.Count;
                due = _pending.GetRange(0, count);
            }

            if (due.Count == 0)
            {
                return;
            }

            var wait = _delay - validator._time.GetElapsedTime(due[^1].FoundAt);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, validator._time, cancellationToken);
            }

            var ids = due.Select(s => s.Id).Distinct().ToArray();
            var events = await validator.RetryAsync(run, "re-check and publish mismatches", async () =>
            {
                var confirmed = await RecheckAsync(ids, cancellationToken);
                if (confirmed.Count > 0)
                {
                    await validator._publisher.PublishAsync(confirmed, cancellationToken);
                }

                return confirmed;
            }, cancellationToken);
            run.RecordInconsistencies(events);
            run.RecordRecheck(due.Count, ids.Length, events.Count);
            lock (_pending)
            {
                _pending.RemoveRange(0, due.Count);
            }
        }

        private async Task<List<InconsistentEvent>> RecheckAsync(long[] ids, CancellationToken cancellationToken)
        {
            var baseRows = validator._reader.ReadByIdsAsync(schema, run.BaseSide, ids, cancellationToken);
            var otherRows = validator._reader.ReadByIdsAsync(schema, run.BaseSide.Other(), ids, cancellationToken);
            var (bases, others) = (await baseRows, await otherRows);
            var now = validator._time.GetUtcNow();
            var confirmed = new List<InconsistentEvent>();
            foreach (var id in ids)
            {
                var inBase = bases.TryGetValue(id, out var b);
                var inOther = others.TryGetValue(id, out var o);
                (InconsistencyType Type, IReadOnlyList<string> Columns)? found =
                    inBase && !inOther ? (InconsistencyType.TargetMissing, [])
                    : !inBase && inOther ? (InconsistencyType.BaseMissing, [])
                    : inBase && ValueComparer.DifferingColumns(schema, b!, o!) is { } columns ? (InconsistencyType.Neq, columns)
                    : null;
                if (found is { } f)
                {
                    confirmed.Add(new InconsistentEvent(Guid.NewGuid(), schema.Table, id, run.BaseSide, f.Type, now, f.Columns));
                }
            }

            return confirmed;
        }
    }
}
