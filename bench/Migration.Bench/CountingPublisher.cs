using System.Collections.Concurrent;
using Migration.Application.Abstractions;
using Migration.Domain.Inconsistencies;

namespace Migration.Bench;

/// <summary>Collects what validation reports, optionally passing it on to the real publisher.</summary>
internal sealed class CountingPublisher(IInconsistencyPublisher? inner) : IInconsistencyPublisher
{
    public ConcurrentQueue<InconsistentEvent> Events { get; } = new();

    public async ValueTask PublishAsync(IReadOnlyList<InconsistentEvent> events, CancellationToken cancellationToken)
    {
        if (inner is not null)
        {
            await inner.PublishAsync(events, cancellationToken);
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
