using System.Collections.Concurrent;
using Migration.Application.Abstractions;
using Migration.Domain.Inconsistencies;

namespace Migration.WebApi.IntegrationTests.Infrastructure;

/// <summary>Wraps the real publisher: records every event it accepted, and can refuse the next few calls.</summary>
internal sealed class RecordingPublisher(IInconsistencyPublisher inner) : IInconsistencyPublisher
{
    private int _failuresLeft;

    public ConcurrentQueue<InconsistentEvent> Published { get; } = new();

    public int FailedCalls;

    public void FailNext(int calls) => Interlocked.Exchange(ref _failuresLeft, calls);

    public async ValueTask PublishAsync(IReadOnlyList<InconsistentEvent> events, CancellationToken cancellationToken)
    {
        if (Interlocked.Decrement(ref _failuresLeft) >= 0)
        {
            Interlocked.Increment(ref FailedCalls);
            throw new IOException("injected publish failure");
        }

        await inner.PublishAsync(events, cancellationToken);
        foreach (var e in events)
        {
            Published.Enqueue(e);
        }
    }

    public HashSet<long> IdsOf(InconsistencyType type) => Published.Where(e => e.Type == type).Select(e => e.Id).ToHashSet();
}
