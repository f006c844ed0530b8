using Microsoft.Extensions.Logging;
using Migration.Domain;
using Migration.Domain.Runs;
using Migration.Domain.Tables;
using Migration.Infrastructure.Data;
using Migration.Infrastructure.Options;
using Migration.Infrastructure.Resilience;
using Polly;

namespace Migration.Infrastructure.Validation;

/// <summary>Everything a strategy needs to validate one table of a run.</summary>
/// <param name="Throttle">Shared by the run's tables: the run's rows-per-second limit holds for all of them together.</param>
internal sealed record TableContext(
    ValidationRun Run,
    TableRun Progress,
    TableSpec Table,
    RowReader Reader,
    SuspectQueue Suspects,
    RowThrottle Throttle,
    StepRunner Steps,
    ValidationOptions Options,
    TimeProvider Time)
{
    public Direction BaseSide => Run.BaseSide;

    public Direction OtherSide => Run.BaseSide.Other();
}

/// <summary>
/// Runs one read or publish of a table's validation through the <c>validation</c> retry pipeline: it never gives up
/// (a run must not skip rows), each failure is recorded on the table's progress, logged with the run, table and step,
/// and a timeout is told to the readiness tracker. A step changes nothing until it has succeeded, so a retry skips
/// nothing; cancellation ends it.
/// </summary>
internal sealed partial class StepRunner(
    ResiliencePipeline retry, ValidationRun run, TableRun table, DatabaseTimeoutTracker? tracker, TimeProvider time, ILogger logger)
{
    // Through the pipeline as an object: one compiled copy of Polly's generic path serves every step, instead of one
    // per value type a step returns (a first run in a fresh process compiled about 300 methods fewer).
    public async Task<T> RunAsync<T>(string step, Direction? side, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken) =>
        (T)(await retry.ExecuteAsync<object?>(
            async ct => await action(ct),
            (ex, _, delay) =>
            {
                table.RecordError($"Failed to {step}: {ex.Message}", time.GetUtcNow());
                if (side is { } s)
                {
                    tracker?.Record(s.ToWire(), ex);
                }

                LogRetrying(logger, ex, run.Id, table.Table, step, (int)delay.TotalMilliseconds);
            },
            cancellationToken))!;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} on {Table} failed to {Step}; retrying in {DelayMs} ms")]
    private static partial void LogRetrying(ILogger logger, Exception exception, Guid runId, string table, string step, int delayMs);
}
