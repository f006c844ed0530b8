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
    RepairMonitor monitor,
    EfDifferenceStore differences,
    ResiliencePipelineProvider<string> pipelines,
    ILogger<RepairHandler> logger)
{
    private readonly ResiliencePipeline _retry = pipelines.GetPipeline(RetryPipelines.Repair);

    public async Task<RepairResult> HandleAsync(EventMessage message, CancellationToken cancellationToken)
    {
        InconsistentEvent e;
        try
        {
            e = InconsistentEventSerializer.Deserialize(message.Value);
        }
        catch (MalformedEventException ex)
        {
            LogMalformed(ex, message.Key);
            return new RepairResult(null, ex.Message, 0);
        }

        // An event without an id (sent by another producer) has none to keep.
        Guid? eventId = e.EventId == Guid.Empty ? null : e.EventId;
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
            await RecordAsync(eventId, outcome switch
            {
                RepairOutcome.Upserted or RepairOutcome.Deleted => DifferenceOutcome.Repaired,
                RepairOutcome.Conflict => DifferenceOutcome.Conflict,
                _ => DifferenceOutcome.Gone,
            }, cancellationToken);
            return new RepairResult(outcome, null, attempts, eventId);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            monitor.AttemptFailed();
            LogGaveUp(ex, e.Table, e.Key.ToText(), e.EventId, attempts);
            // Set aside: the caller stores it as a dead letter (or, if it cannot, hands it over again and the next
            // outcome replaces this one).
            await RecordAsync(eventId, DifferenceOutcome.DeadLetter, cancellationToken);
            return new RepairResult(null, $"{ex.GetType().Name}: {ex.Message}", attempts, eventId);
        }
    }

    /// <summary>
    /// Tells the stored difference what became of its event. The row is repaired already: a control database that does
    /// not take the outcome leaves the difference listed as it was, with a warning, and the repair goes on.
    /// </summary>
    private async Task RecordAsync(Guid? eventId, DifferenceOutcome outcome, CancellationToken cancellationToken)
    {
        if (eventId is not { } id)
        {
            return;
        }

        try
        {
            await differences.RecordOutcomeAsync(id, outcome, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogOutcomeNotRecorded(ex, id, outcome.ToWire());
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Repaired {Table}:{Id} ({Type}): {Outcome}")]
    private partial void LogRepaired(string table, string id, string type, RepairOutcome outcome);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Repair of {Table}:{Id} (event {EventId}) failed (attempt {Attempt}); retrying in {DelayMs} ms")]
    private partial void LogRetrying(Exception exception, string table, string id, Guid eventId, int attempt, long delayMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Repair of {Table}:{Id} (event {EventId}) gave up after {Attempts} attempts; it becomes a dead letter")]
    private partial void LogGaveUp(Exception exception, string table, string id, Guid eventId, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record the outcome {Outcome} of event {EventId} in the stored differences; it stays listed as before")]
    private partial void LogOutcomeNotRecorded(Exception exception, Guid eventId, string outcome);

    [LoggerMessage(Level = LogLevel.Error, Message = "Set aside a malformed message with key {Key}; it becomes a dead letter")]
    private partial void LogMalformed(Exception exception, string key);
}
