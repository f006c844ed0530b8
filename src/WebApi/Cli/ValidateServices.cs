using System.Collections.Concurrent;
using Migration.Application.Abstractions;
using Migration.Domain.Inconsistencies;

namespace Migration.WebApi.Cli;

/// <summary>The events a one-shot validation found, by pass, for its report (at most <see cref="Limit"/> a pass).</summary>
internal sealed class FindingsRecorder
{
    /// <summary>Events listed per pass; the counts by type in the report are complete whatever this is.</summary>
    public const int Limit = 10_000;

    private readonly ConcurrentDictionary<int, ConcurrentQueue<InconsistentEvent>> _passes = new();
    private volatile int _pass = 1;

    /// <summary>Events recorded from now on belong to this pass (1: the validation; 2: the check after the repair).</summary>
    public void BeginPass(int pass) => _pass = pass;

    public void Record(IReadOnlyList<InconsistentEvent> events)
    {
        var queue = _passes.GetOrAdd(_pass, _ => new ConcurrentQueue<InconsistentEvent>());
        foreach (var e in events)
        {
            if (queue.Count >= Limit)
            {
                return;
            }

            queue.Enqueue(e);
        }
    }

    public IReadOnlyList<InconsistentEvent> Of(int pass) => _passes.TryGetValue(pass, out var queue) ? [.. queue] : [];
}

/// <summary>
/// Records every event validation publishes for the report, and hands them on to the service's publisher, which stores
/// them and (for a repairing run only) writes them to the outbox.
/// </summary>
internal sealed class OneShotPublisher(IInconsistencyPublisher inner, FindingsRecorder findings) : IInconsistencyPublisher
{
    public async ValueTask PublishAsync(IReadOnlyList<InconsistentEvent> events, CancellationToken cancellationToken)
    {
        await inner.PublishAsync(events, cancellationToken);
        findings.Record(events);
    }
}
