using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Migration.Domain.Inconsistencies;
using Migration.Infrastructure.Events;
using Migration.Infrastructure.Options;

namespace Migration.Infrastructure.Repair;

/// <summary>What became of one message: repaired with an <see cref="Outcome"/>, or set aside with the <see cref="Error"/>.</summary>
/// <param name="Attempts">Repair attempts made (0 for a malformed message).</param>
internal sealed record RepairResult(RepairOutcome? Outcome, string? Error, int Attempts)
{
    public bool SetAside => Outcome is null;
}

/// <summary>
/// Handles one message of the topic, whatever carried it: parses it, repairs the row with retries and a
/// doubling back-off, and reports the outcome. It never throws but for cancellation, so one bad message
/// cannot stop its consumer; the caller decides what to do with a message set aside (the Kafka consumer
/// sends it to the dead-letter topic).
/// </summary>
internal sealed partial class RepairHandler(
    RowRepairer repairer,
    RepairMonitor monitor,
    IOptions<MigrationOptions> options,
    TimeProvider time,
    ILogger<RepairHandler> logger)
{
    private readonly RepairOptions _options = options.Value.Repair;

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
            monitor.Handled(null);
            return new RepairResult(null, ex.Message, 0);
        }

        var delay = _options.RetryBackoffMs;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var outcome = await repairer.RepairAsync(e, cancellationToken);
                monitor.Handled(outcome);
                LogRepaired(e.Table, e.Id, e.Type.ToWire(), outcome);
                return new RepairResult(outcome, null, attempt);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                monitor.AttemptFailed();
                if (ex is MalformedEventException || attempt >= _options.MaxAttempts)
                {
                    LogGaveUp(ex, e.Table, e.Id, e.EventId, attempt);
                    monitor.Handled(null);
                    return new RepairResult(null, $"{ex.GetType().Name}: {ex.Message}", attempt);
                }

                LogRetrying(ex, e.Table, e.Id, attempt, delay);
                await Task.Delay(TimeSpan.FromMilliseconds(delay), time, cancellationToken);
                delay = Math.Min(delay * 2, 30_000);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Repaired {Table}:{Id} ({Type}): {Outcome}")]
    private partial void LogRepaired(string table, long id, string type, RepairOutcome outcome);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Repair of {Table}:{Id} failed (attempt {Attempt}); retrying in {DelayMs} ms")]
    private partial void LogRetrying(Exception exception, string table, long id, int attempt, int delayMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Repair of {Table}:{Id} (event {EventId}) gave up after {Attempts} attempts")]
    private partial void LogGaveUp(Exception exception, string table, long id, Guid eventId, int attempts);

    [LoggerMessage(Level = LogLevel.Error, Message = "Set aside a malformed message with key {Key}")]
    private partial void LogMalformed(Exception exception, string key);
}
