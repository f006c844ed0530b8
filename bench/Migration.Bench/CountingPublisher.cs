using System.Collections.Concurrent;
using Migration.Application.Abstractions;
using Migration.Domain.Inconsistencies;

namespace Migration.Bench;

/// <summary>
/// Collects what validation reports, optionally passing it on to the real publisher. With an observer (incremental
/// mode) it hands each event on once the real publisher has stored it and keeps none: a long run must not grow the
/// process's memory with its own bookkeeping.
/// </summary>
internal sealed class CountingPublisher(IInconsistencyPublisher? inner, Action<IReadOnlyList<InconsistentEvent>>? observer = null) : IInconsistencyPublisher
{
    private long _publishTicks;
    private long _published;

    public ConcurrentQueue<InconsistentEvent> Events { get; } = new();

    /// <summary>Time spent in the real publisher (storing the differences and the outbox rows), and the events it took.</summary>
    public (TimeSpan Elapsed, long Events) Publishing => (TimeSpan.FromTicks(Interlocked.Read(ref _publishTicks)), Interlocked.Read(ref _published));

    public async ValueTask PublishAsync(IReadOnlyList<InconsistentEvent> events, CancellationToken cancellationToken)
    {
        if (inner is not null)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            await inner.PublishAsync(events, cancellationToken);
            Interlocked.Add(ref _publishTicks, System.Diagnostics.Stopwatch.GetElapsedTime(started).Ticks);
            Interlocked.Add(ref _published, events.Count);
        }

        if (observer is not null)
        {
            observer(events);
            return;
        }

        foreach (var e in events)
        {
            Events.Enqueue(e);
        }
    }

    /// <summary>The keys (as <see cref="Domain.Tables.RowKey.ToText"/>) reported for one table with one type.</summary>
    public HashSet<string> KeysOf(string table, InconsistencyType type) =>
        Events.Where(e => e.Type == type && string.Equals(e.Table, table, StringComparison.OrdinalIgnoreCase)).Select(e => e.Key.ToText()).ToHashSet();

    public HashSet<long> IdsOf(InconsistencyType type) => Events.Where(e => e.Type == type).Select(e => e.Key.AsInt64!.Value).ToHashSet();
}
