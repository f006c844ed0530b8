using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Migration.Application.Abstractions;
using Migration.Application.Common;
using Migration.Domain.Patterns;
using Migration.Domain.Runs;

namespace Migration.Application.Validation;

/// <summary>
/// One slot per run kind. A slot's gate serialises every start and stop of that kind; the slot owns the run's
/// task and its cancellation source, both assigned before the gate is released, so a stop that queues behind
/// a start always finds the task to cancel and await. On host shutdown every slot is stopped and awaited.
/// </summary>
internal sealed partial class ValidationScheduler(
    ITableValidator validator,
    IPatternStore patterns,
    TimeProvider time,
    ILogger<ValidationScheduler> logger) : IValidationScheduler, IHostedService
{
    private readonly Slot[] _slots = Enum.GetValues<RunKind>().Select(_ => new Slot()).ToArray();
    private readonly Lock _shutdownLock = new();
    private volatile bool _shuttingDown;
    private Task? _shutdown;

    public async Task<ValidationRun> StartAsync(RunKind kind, long utime, long intervalMs, CancellationToken cancellationToken)
    {
        var slot = _slots[(int)kind];
        await slot.Gate.WaitAsync(cancellationToken);
        try
        {
            // Past the gate the request's token is no longer honoured: a start is applied whole or not at all.
            if (_shuttingDown)
            {
                throw new ConflictException("The service is shutting down; no new validation run can start.");
            }

            await StopCurrentAsync(slot);
            var pattern = await patterns.GetAsync(CancellationToken.None);
            var run = new ValidationRun(Guid.NewGuid(), kind, validator.Table, pattern.Primary(), utime, intervalMs, time.GetUtcNow());
            var cancellation = new CancellationTokenSource();
            slot.Run = run;
            slot.Cancellation = cancellation;
            slot.Task = Task.Run(() => ExecuteAsync(slot, run, cancellation.Token), CancellationToken.None);
            LogStarted(run.Id, kind, run.Table, run.BaseSide, utime, intervalMs);
            return run;
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    public async Task<StopOutcome> StopAsync(RunKind kind, CancellationToken cancellationToken)
    {
        var slot = _slots[(int)kind];
        await slot.Gate.WaitAsync(cancellationToken);
        try
        {
            var wasRunning = await StopCurrentAsync(slot);
            return new StopOutcome(slot.Run, wasRunning);
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    public ValidationRun? Latest(RunKind kind) => _slots[(int)kind].Run;

    /// <summary>Validator tasks of this kind alive right now (for tests of the one-owner rule).</summary>
    internal int LiveTasks(RunKind kind) => Volatile.Read(ref _slots[(int)kind].Live);

    /// <summary>The most validator tasks of this kind ever alive at once.</summary>
    internal int MaxLiveTasks(RunKind kind) => Volatile.Read(ref _slots[(int)kind].MaxLive);

    Task IHostedService.StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    Task IHostedService.StopAsync(CancellationToken cancellationToken)
    {
        // The host can be stopped twice at once and disposed after the first stop ends (WebApplication.Run stops and
        // disposes on the shutdown signal that another caller's StopAsync raised): every caller awaits the one
        // shutdown, so none reaches a disposed gate.
        lock (_shutdownLock)
        {
            return _shutdown ??= ShutdownAsync();
        }
    }

    private async Task ShutdownAsync()
    {
        _shuttingDown = true;
        foreach (var kind in Enum.GetValues<RunKind>())
        {
            await StopAsync(kind, CancellationToken.None);
        }
    }

    /// <summary>Cancels and awaits the slot's task. Call only while holding the slot's gate.</summary>
    private static async Task<bool> StopCurrentAsync(Slot slot)
    {
        if (slot.Task is null || slot.Cancellation is null)
        {
            return false;
        }

        var wasRunning = !slot.Task.IsCompleted;
        await slot.Cancellation.CancelAsync();
        await slot.Task; // ExecuteAsync never throws: every outcome is recorded on the run.
        slot.Cancellation.Dispose();
        slot.Cancellation = null;
        slot.Task = null;
        return wasRunning;
    }

    private async Task ExecuteAsync(Slot slot, ValidationRun run, CancellationToken cancellationToken)
    {
        var live = Interlocked.Increment(ref slot.Live);
        InterlockedMax(ref slot.MaxLive, live);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["RunId"] = run.Id, ["Table"] = run.Table });
        try
        {
            await validator.RunAsync(run, cancellationToken);
            run.Complete(time.GetUtcNow());
            LogEnded(run.Id, run.Kind, run.Status, run.RowsChecked);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            run.Stop(time.GetUtcNow());
            LogEnded(run.Id, run.Kind, run.Status, run.RowsChecked);
        }
        catch (Exception ex)
        {
            run.Fail(ex.Message, time.GetUtcNow());
            LogFailed(ex, run.Id, run.Kind);
        }
        finally
        {
            Interlocked.Decrement(ref slot.Live);
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Validation run {RunId} ({Kind}) started on {Table}, base {BaseSide}, utime > {Utime}, interval {IntervalMs} ms")]
    private partial void LogStarted(Guid runId, RunKind kind, string table, Migration.Domain.Direction baseSide, long utime, long intervalMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Validation run {RunId} ({Kind}) ended {Status} after {RowsChecked} rows")]
    private partial void LogEnded(Guid runId, RunKind kind, RunStatus status, long rowsChecked);

    [LoggerMessage(Level = LogLevel.Error, Message = "Validation run {RunId} ({Kind}) failed")]
    private partial void LogFailed(Exception exception, Guid runId, RunKind kind);

    private sealed class Slot
    {
        // Never disposed: a SemaphoreSlim whose wait handle is unused holds nothing, and a host stop that comes
        // late (after the container disposed its singletons) must still be able to wait on it.
        public readonly SemaphoreSlim Gate = new(1, 1);
        public volatile ValidationRun? Run;
        public CancellationTokenSource? Cancellation;
        public Task? Task;
        public int Live;
        public int MaxLive;
    }
}
