using Microsoft.Extensions.Logging;
using Migration.Domain.Inconsistencies;
using Migration.Infrastructure.Events;
using Migration.Infrastructure.Reports;
using Migration.Infrastructure.Resilience;
using Polly;
using Polly.Registry;

namespace Migration.Infrastructure.Repair;

/// <summary>What became of one message: repaired with an <see cref="Outcome"/>, or set aside with the <see cref="Error"/>.</summary>
/// <param name="Attempts">Repair attempts made (0 for a malformed message).</param>
/// <param name="EventId">The event's id, when the message could be read as an event.</param>
internal sealed record RepairResult(RepairOutcome? Outcome, string? Error, int Attempts, Guid? EventId = null)
{
    public bool SetAside => Outcome is null;
}

/// <summary>
/// Handles one message of the topic, whatever carried it: parses it, repairs the row through the <c>repair</c> retry
/// pipeline, and reports the outcome. It never throws but for cancellation, so one bad message cannot stop its
/// consumer; a message set aside (malformed, or its last attempt failed) is the caller's to store as a dead letter,
/// and counted as given up once it is stored. Each event's outcome is reported to the stored differences by its id.
/// </summary>
internal sealed partial class RepairHandler(
    RowRepairer repairer,
    BatchRepairer batches,
    RepairBatchMetrics batchMetrics,
    RepairMonitor monitor,
    EfDifferenceStore differences,
    ResiliencePipelineProvider<string> pipelines,
    ILogger<RepairHandler> logger)
{
    private readonly ResiliencePipeline _retry = pipelines.GetPipeline(RetryPipelines.Repair);
    private readonly ResiliencePipeline _outcomeRetry = pipelines.GetPipeline(RetryPipelines.DifferenceOutcome);

    public async Task<RepairResult> HandleAsync(EventMessage message, CancellationToken cancellationToken) =>
        (await HandleBatchAsync([message], cancellationToken))[0];

    /// <summary>
    /// Handles a batch of messages, one result each in their order: the batch path (<see cref="BatchRepairer"/>) first,
    /// then the row path, through the retry pipeline, for each event the batch did not finish — in their order, so a
    /// row's later events still follow its first. Every outcome is recorded by the time this returns.
    /// </summary>
    public async Task<RepairResult[]> HandleBatchAsync(IReadOnlyList<EventMessage> messages, CancellationToken cancellationToken)
    {
        var results = new RepairResult?[messages.Count];
        var events = new List<(int Index, InconsistentEvent Event)>(messages.Count);
        for (var i = 0; i < messages.Count; i++)
        {
            try
            {
                events.Add((i, InconsistentEventSerializer.Deserialize(messages[i].Value)));
            }
            catch (MalformedEventException ex)
            {
                LogMalformed(ex, messages[i].Key);
                results[i] = new RepairResult(null, ex.Message, 0);
            }
        }

        batchMetrics.Batch(messages.Count);
        var outcomes = events.Count > 0 ? await batches.RepairAsync(events.ConvertAll(x => x.Event), cancellationToken) : [];
        for (var j = 0; j < events.Count; j++)
        {
            if (outcomes[j] is { } outcome)
            {
                var (index, e) = events[j];
                monitor.Handled(outcome);
                LogRepaired(e.Table, e.Key.ToText(), e.Type.ToWire(), outcome);
                results[index] = new RepairResult(outcome, null, 1, KeptId(e));
            }
        }

        foreach (var (index, e) in events)
        {
            results[index] ??= await RepairOneAsync(e, cancellationToken);
        }

        // Every outcome of the batch in one statement per kind (a set-aside event is a dead letter): one update of a
        // thousand rows costs the control database far less than a thousand updates of one.
        foreach (var group in events
            .Select(x => results[x.Index]!)
            .Where(r => r.EventId is not null)
            .GroupBy(r => r.Outcome is { } o ? ToDifference(o) : DifferenceOutcome.DeadLetter))
        {
            await RecordAsync(group.Select(r => r.EventId!.Value).ToList(), group.Key, cancellationToken);
        }

        return results!;
    }

    private async Task<RepairResult> RepairOneAsync(InconsistentEvent e, CancellationToken cancellationToken)
    {
        var eventId = KeptId(e);
        var attempts = 0;
        try
        {
            var outcome = await _retry.ExecuteAsync(
                async ct =>
                {
                    attempts++;
                    return await repairer.RepairAsync(e, ct);
                },
                (ex, attempt, delay) =>
                {
                    monitor.AttemptFailed();
                    LogRetrying(ex, e.Table, e.Key.ToText(), e.EventId, attempt, (long)delay.TotalMilliseconds);
                },
                cancellationToken);
            monitor.Handled(outcome);
            LogRepaired(e.Table, e.Key.ToText(), e.Type.ToWire(), outcome);
            return new RepairResult(outcome, null, attempts, eventId);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            monitor.AttemptFailed();
            LogGaveUp(ex, e.Table, e.Key.ToText(), e.EventId, attempts);
            // Set aside: the caller stores it as a dead letter (or, if it cannot, hands it over again and the next
            // outcome replaces this one).
            return new RepairResult(null, $"{ex.GetType().Name}: {ex.Message}", attempts, eventId);
        }
    }

    /// <summary>The event's id, by which its outcome is recorded; none for an event sent by another producer without one.</summary>
    private static Guid? KeptId(InconsistentEvent e) => e.EventId == Guid.Empty ? null : e.EventId;

    private static DifferenceOutcome ToDifference(RepairOutcome outcome) => outcome switch
    {
        RepairOutcome.Upserted or RepairOutcome.Deleted => DifferenceOutcome.Repaired,
        RepairOutcome.Conflict => DifferenceOutcome.Conflict,
        _ => DifferenceOutcome.Gone,
    };

    /// <summary>
    /// Tells the stored differences what became of their events, through the <c>difference-outcome</c> retry pipeline
    /// (a deadlock or a lock wait of the control database passes). The rows are repaired already: a control database
    /// that does not take the outcome within its attempts leaves the differences listed as they were, with a warning,
    /// and the repair goes on.
    /// </summary>
    private async Task RecordAsync(IReadOnlyCollection<Guid> eventIds, DifferenceOutcome outcome, CancellationToken cancellationToken)
    {
        try
        {
            await _outcomeRetry.ExecuteAsync(
                async ct => await differences.RecordOutcomesAsync(eventIds, outcome, ct),
                (ex, attempt, delay) => LogOutcomeRetrying(ex, outcome.ToWire(), eventIds.Count, eventIds.First(), attempt, (long)delay.TotalMilliseconds),
                cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogOutcomesNotRecorded(ex, eventIds.Count, eventIds.First(), outcome.ToWire());
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Repaired {Table}:{Id} ({Type}): {Outcome}")]
    private partial void LogRepaired(string table, string id, string type, RepairOutcome outcome);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Repair of {Table}:{Id} (event {EventId}) failed (attempt {Attempt}); retrying in {DelayMs} ms")]
    private partial void LogRetrying(Exception exception, string table, string id, Guid eventId, int attempt, long delayMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Repair of {Table}:{Id} (event {EventId}) gave up after {Attempts} attempts; it becomes a dead letter")]
    private partial void LogGaveUp(Exception exception, string table, string id, Guid eventId, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording the outcome {Outcome} of {Count} events (the first {EventId}) in the stored differences failed (attempt {Attempt}); retrying in {DelayMs} ms")]
    private partial void LogOutcomeRetrying(Exception exception, string outcome, int count, Guid eventId, int attempt, long delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record the outcome {Outcome} of {Count} events (the first {EventId}) in the stored differences; they stay listed as before")]
    private partial void LogOutcomesNotRecorded(Exception exception, int count, Guid eventId, string outcome);

    [LoggerMessage(Level = LogLevel.Error, Message = "Set aside a malformed message with key {Key}; it becomes a dead letter")]
    private partial void LogMalformed(Exception exception, string key);
}
