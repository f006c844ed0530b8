using System.Collections.Concurrent;
using Migration.Application.Abstractions;
using Migration.Domain.Inconsistencies;
using Migration.Domain.Repair;
using Migration.Domain.Runs;

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
/// Records every event validation publishes; hands them on to the outbox (and so to the repair) only when
/// <paramref name="forward"/>. Without it nothing reaches the outbox, so no instance of the service repairs what this
/// process found either.
/// </summary>
internal sealed class OneShotPublisher(IInconsistencyPublisher inner, FindingsRecorder findings, bool forward) : IInconsistencyPublisher
{
    public async ValueTask PublishAsync(IReadOnlyList<InconsistentEvent> events, CancellationToken cancellationToken)
    {
        if (forward)
        {
            await inner.PublishAsync(events, cancellationToken);
        }

        findings.Record(events);
    }
}

/// <summary>
/// Keeps a report-only run's checkpoint in memory: a completed full run whose differences were never handed to the
/// repair must not count, for the service's cut-over check, as a pass whose findings were all repaired.
/// </summary>
internal sealed class InMemoryRunCheckpointStore : IRunCheckpointStore
{
    private readonly ConcurrentDictionary<RunKind, RunCheckpoint> _checkpoints = new();

    public Task SaveAsync(RunCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        _checkpoints[checkpoint.Kind] = checkpoint;
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<RunCheckpoint>> LoadAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<RunCheckpoint>>([.. _checkpoints.Values]);
}

/// <summary>
/// A report-only run closes no conflict: a completed full run supersedes the open ones only because its repair decides
/// those rows again, and this one repairs nothing.
/// </summary>
internal sealed class KeepConflictsStore(IConflictStore inner) : IConflictStore
{
    public Task RecordAsync(Conflict conflict, CancellationToken cancellationToken) => inner.RecordAsync(conflict, cancellationToken);

    public Task ResolveAsync(string table, string key, string resolution, CancellationToken cancellationToken) =>
        inner.ResolveAsync(table, key, resolution, cancellationToken);

    public Task<int> SupersedeAsync(DateTimeOffset before, string resolution, CancellationToken cancellationToken) => Task.FromResult(0);

    public Task<IReadOnlyList<Conflict>> ListAsync(bool openOnly, long? beforeId, int limit, CancellationToken cancellationToken) =>
        inner.ListAsync(openOnly, beforeId, limit, cancellationToken);

    public Task<long> CountOpenAsync(CancellationToken cancellationToken) => inner.CountOpenAsync(cancellationToken);
}
