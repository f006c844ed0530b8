using System.Collections.Concurrent;
using Migration.Application.Abstractions;
using Migration.Domain.Inconsistencies;

namespace Migration.WebApi.IntegrationTests.Infrastructure;

/// <summary>Wraps the real publisher: records every event it accepted, and can refuse the next few calls.</summary>
internal sealed class RecordingPublisher(IInconsistencyPublisher inner) : IInconsistencyPublisher
{
    private int _failuresLeft;
    private int _holdAfter = int.MaxValue;
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ConcurrentQueue<InconsistentEvent> Published { get; } = new();

    public int FailedCalls;

    /// <summary>Publish calls that reached the hold.</summary>
    public int Held;

    public void FailNext(int calls) => Interlocked.Exchange(ref _failuresLeft, calls);

    /// <summary>Accepts events until <paramref name="events"/> have been published, then makes every publish wait until cancelled.</summary>
    public void HoldAfter(int events) => Volatile.Write(ref _holdAfter, events);

    public async ValueTask PublishAsync(IReadOnlyList<InconsistentEvent> events, CancellationToken cancellationToken)
    {
        if (Interlocked.Decrement(ref _failuresLeft) >= 0)
        {
            Interlocked.Increment(ref FailedCalls);
            throw new IOException("injected publish failure");
        }

        if (Published.Count >= Volatile.Read(ref _holdAfter))
        {
            Interlocked.Increment(ref Held);
            await _released.Task.WaitAsync(cancellationToken);
        }

        await inner.PublishAsync(events, cancellationToken);
        foreach (var e in events)
        {
            Published.Enqueue(e);
        }
    }

    public HashSet<long> IdsOf(InconsistencyType type) => Published.Where(e => e.Type == type).Select(e => e.Id).ToHashSet();
}
