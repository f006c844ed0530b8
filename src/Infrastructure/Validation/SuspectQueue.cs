using Migration.Application.Abstractions;
using Migration.Domain;
using Migration.Domain.Inconsistencies;
using Migration.Domain.Runs;
using Migration.Domain.Tables;

namespace Migration.Infrastructure.Validation;

/// <summary>
/// Keys of one table that differed once, waiting for their second look. Each is read again in whole on both sides once
/// its delay has passed, and published only if it still differs, classified as it is then, with the differing columns
/// and both sides' values. Adds may come from several workers; flushes run one at a time. After a flush that leaves
/// nothing waiting, the table's cursors become its safe cursors: a resume from them never skips a difference found and
/// not yet reported.
/// </summary>
internal sealed class SuspectQueue(
    ValidationRun run, TableRun progress, TableSpec table, RowReader reader, IInconsistencyPublisher publisher, TimeSpan delay, TimeProvider time)
{
    /// <summary>Suspects held before they are re-checked mid-run, bounding memory under heavy drift.</summary>
    private const int MaxPending = 10_000;

    /// <summary>How long the sweep leaves a published key alone: its repair is likely still on its way.</summary>
    internal static readonly TimeSpan SweepQuietAfterPublish = TimeSpan.FromSeconds(60);

    private readonly List<(RowKey Key, long FoundAt)> _pending = [];
    private readonly HashSet<RowKey> _pendingKeys = [];
    private readonly Dictionary<RowKey, long> _published = [];
    private readonly Queue<(TableCursor Cursor, RowKey Through)> _progress = new();
    private readonly SemaphoreSlim _flushing = new(1, 1);

    /// <summary>The step runner of the table (set once the context exists: the two refer to each other).</summary>
    public StepRunner? Steps { get; set; }

    /// <summary>Columns whose values the events carry only as a hash (<c>Migration:Report:RedactColumns</c>).</summary>
    public IReadOnlySet<string>? Redacted { get; init; }

    /// <summary>
    /// Whether a rolling sweep hands keys over too (<see cref="AddSwept"/>): only then are published keys remembered,
    /// for its quiet time. Without a sweep that memory would only grow with the write rate (a minute of published keys).
    /// </summary>
    public bool Swept { get; init; }

    /// <summary>A key that differed, unless it already waits (found by the version walk and the sweep both).</summary>
    public void Add(RowKey key)
    {
        lock (_pending)
        {
            if (_pendingKeys.Contains(key))
            {
                return;
            }

            Pend(key);
        }

        progress.RecordSuspects(1);
    }

    /// <summary>
    /// A key the rolling sweep found different, unless it already waits for its second look or was published less than
    /// <see cref="SweepQuietAfterPublish"/> ago: a pass of a small table comes round again before the repair of what the
    /// last one found, and the next pass after the quiet time still sees a difference that stayed.
    /// </summary>
    public void AddSwept(RowKey key)
    {
        lock (_pending)
        {
            if (_pendingKeys.Contains(key)
                || (_published.TryGetValue(key, out var at) && time.GetElapsedTime(at) < SweepQuietAfterPublish))
            {
                return;
            }

            Pend(key);
        }

        progress.RecordSuspects(1);
    }

    private void Pend(RowKey key)
    {
        _pending.Add((key, time.GetTimestamp()));
        _pendingKeys.Add(key);
    }

    /// <summary>
    /// A full run's cursor reached <paramref name="cursor"/>, having compared every key up to <paramref name="through"/>:
    /// it becomes the safe cursor once no suspect at or before that key waits any more.
    /// </summary>
    public void Progressed(TableCursor cursor, RowKey through)
    {
        lock (_pending)
        {
            _progress.Enqueue((cursor, through));
        }
    }

    /// <summary>
    /// Re-checks and publishes the suspects whose delay has passed, or (<paramref name="all"/>) every suspect added before
    /// the call, waiting out their delay first. The wait holds nobody up: a flush runs only once its keys are due. A
    /// partial flush while another flush runs returns at once (unless <see cref="MaxPending"/> suspects wait): its keys
    /// stay queued for the next one, so one walk never waits on the other's re-check.
    /// </summary>
    public async Task FlushAsync(bool all, CancellationToken cancellationToken)
    {
        var cutoff = time.GetTimestamp();
        if (all)
        {
            await WaitUntilDueAsync(cutoff, cancellationToken);
            await _flushing.WaitAsync(cancellationToken);
        }
        else if (!await _flushing.WaitAsync(TimeSpan.Zero, cancellationToken))
        {
            if (PendingCount < MaxPending)
            {
                return;
            }

            // Too many wait: the caller holds off until they have been re-checked, which bounds the memory.
            await _flushing.WaitAsync(cancellationToken);
        }

        try
        {
            await FlushDueAsync(all ? cutoff : null, cancellationToken);
            MarkSafe();
        }
        finally
        {
            _flushing.Release();
        }
    }

    private int PendingCount
    {
        get
        {
            lock (_pending)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Waits until the newest suspect added before <paramref name="cutoff"/> has waited its delay.</summary>
    private async Task WaitUntilDueAsync(long cutoff, CancellationToken cancellationToken)
    {
        long? newest;
        lock (_pending)
        {
            var count = DueCount(cutoff);
            newest = count == 0 ? null : _pending[count - 1].FoundAt;
        }

        if (newest is { } foundAt && delay - time.GetElapsedTime(foundAt) is var wait && wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, time, cancellationToken);
        }
    }

    /// <summary>
    /// Full runs: the last cursor before the smallest key still waiting. Incremental runs, whose suspects come from two
    /// cursors: both cursors, once nothing waits.
    /// </summary>
    private void MarkSafe()
    {
        TableCursor? safe = null;
        lock (_pending)
        {
            if (run.Kind == RunKind.Full)
            {
                var smallest = _pending.Count == 0 ? null : _pending.Min(s => s.Key);
                while (_progress.TryPeek(out var next) && (smallest is null || next.Through < smallest))
                {
                    safe = _progress.Dequeue().Cursor;
                }
            }
            else if (_pending.Count == 0)
            {
                progress.MarkSafe(progress.BaseCursor, progress.TargetCursor);
            }
        }

        if (safe is not null)
        {
            progress.MarkSafe(safe, progress.SafeTargetCursor);
        }
    }

    /// <summary>
    /// How many suspects, oldest first, were added up to <paramref name="cutoff"/>, or else have waited their delay. Under
    /// the lock of <see cref="_pending"/>, which is in the order they were added.
    /// </summary>
    private int DueCount(long? cutoff) =>
        _pending.FindIndex(s => cutoff is { } c ? s.FoundAt > c : time.GetElapsedTime(s.FoundAt) < delay) is var n and >= 0 ? n : _pending.Count;

    /// <summary>Re-checks the suspects added up to <paramref name="cutoff"/> (waiting out their delay), or else those whose delay has passed, or every one when too many wait.</summary>
    private async Task FlushDueAsync(long? cutoff, CancellationToken cancellationToken)
    {
        List<(RowKey Key, long FoundAt)> due;
        lock (_pending)
        {
            due = _pending.GetRange(0, _pending.Count >= MaxPending ? _pending.Count : DueCount(cutoff));
        }

        if (due.Count == 0)
        {
            return;
        }

        var wait = delay - time.GetElapsedTime(due[^1].FoundAt);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, time, cancellationToken);
        }

        var keys = due.Select(s => s.Key).Distinct().ToArray();
        var events = await Steps!.RunAsync("re-check and publish mismatches", null, async ct =>
        {
            var confirmed = await RecheckAsync(keys, ct);
            if (confirmed.Count > 0)
            {
                await publisher.PublishAsync(confirmed, ct);
            }

            return confirmed;
        }, cancellationToken);
        progress.RecordInconsistencies(events.Select(e => e.Type));
        progress.RecordRecheck(due.Count, keys.Length, events.Count);
        lock (_pending)
        {
            foreach (var (key, _) in due)
            {
                _pendingKeys.Remove(key);
            }

            _pending.RemoveRange(0, due.Count);
            var now = time.GetTimestamp();
            if (Swept)
            {
                foreach (var e in events)
                {
                    _published[e.Key] = now;
                }
            }

            if (_published.Count > MaxPending)
            {
                foreach (var old in _published.Where(p => time.GetElapsedTime(p.Value) >= SweepQuietAfterPublish).Select(p => p.Key).ToList())
                {
                    _published.Remove(old);
                }
            }
        }
    }

    private async Task<List<InconsistentEvent>> RecheckAsync(RowKey[] keys, CancellationToken cancellationToken)
    {
        var baseRows = reader.ReadByKeysAsync(table, run.BaseSide, keys, cancellationToken);
        var otherRows = reader.ReadByKeysAsync(table, run.BaseSide.Other(), keys, cancellationToken);
        var (bases, others) = (await baseRows, await otherRows);
        var now = time.GetUtcNow();
        var confirmed = new List<InconsistentEvent>();
        foreach (var key in keys)
        {
            var b = bases.GetValueOrDefault(key);
            var o = others.GetValueOrDefault(key);
            (InconsistencyType Type, IReadOnlyList<string> Columns)? found =
                b is not null && o is null ? (InconsistencyType.TargetMissing, [])
                : b is null && o is not null ? (InconsistencyType.BaseMissing, [])
                : b is not null && ValueRules.DifferingColumns(table, b, o!) is { } columns ? (InconsistencyType.Neq, columns)
                : null;
            if (found is { } f)
            {
                confirmed.Add(new InconsistentEvent(Guid.NewGuid(), table.Name, (b ?? o)!.Key, run.BaseSide, f.Type, now, f.Columns)
                {
                    RunId = run.Id,
                    Differences = ValueRules.Differences(table, b, o, redacted: Redacted),
                    // A report-only run's findings are stored and listed, never handed to the repair.
                    ReportOnly = !run.Repair,
                });
            }
        }

        return confirmed;
    }
}
