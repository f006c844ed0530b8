using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Migration.Application.Abstractions;
using Migration.Application.Common;
using Migration.Domain;
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
    IRunCheckpointStore checkpoints,
    IConflictStore conflicts,
    IRunHistory history,
    IOptions<RunOptions> runOptions,
    TimeProvider time,
    ILogger<ValidationScheduler> logger) : IValidationScheduler, IHostedService
{
    private readonly Slot[] _slots = Enum.GetValues<RunKind>().Select(_ => new Slot()).ToArray();
    private readonly Lock _shutdownLock = new();
    private volatile bool _shuttingDown;
    private Task? _shutdown;

    public Task<ValidationRun> StartAsync(
        RunKind kind, long utime, long intervalMs, long? maxRowsPerSecond, bool? repair, CancellationToken cancellationToken) =>
        StartAsync(kind, utime, intervalMs, maxRowsPerSecond, repair, sweepMaxRowsPerSecond: null, cancellationToken);

    public async Task<ValidationRun> StartAsync(
        RunKind kind, long utime, long intervalMs, long? maxRowsPerSecond, bool? repair, long? sweepMaxRowsPerSecond, CancellationToken cancellationToken)
    {
        // A table the run could not compare is refused before anything is stopped, not left to fail (or retry) later.
        await validator.EnsureComparableAsync(kind, cancellationToken);
        var pattern = await patterns.GetAsync(cancellationToken);
        return await StartCoreAsync(kind, check: null, previous => new ValidationRun(
            Guid.NewGuid(), kind, pattern.Primary(), utime, intervalMs, time.GetUtcNow(),
            maxRowsPerSecond ?? runOptions.Value.DefaultMaxRowsPerSecond, repair ?? runOptions.Value.DefaultRepair)
        {
            SweepMaxRowsPerSecond = sweepMaxRowsPerSecond,
        }, cancellationToken);
    }

    public async Task<ValidationRun> ResumeAsync(RunKind kind, long? intervalMs, long? maxRowsPerSecond, CancellationToken cancellationToken)
    {
        await validator.EnsureComparableAsync(kind, cancellationToken);
        return await StartCoreAsync(kind, previous => EnsureResumable(kind, previous), previous =>
        {
            var checkpoint = previous!.ToCheckpoint(time.GetUtcNow()) with
            {
                Status = RunStatus.Running,
                EndedAt = null,
                IntervalMs = intervalMs ?? previous.IntervalMs,
                MaxRowsPerSecond = maxRowsPerSecond ?? previous.MaxRowsPerSecond,
            };
            return ValidationRun.FromCheckpoint(checkpoint, running: true);
        }, cancellationToken);
    }

    private static void EnsureResumable(RunKind kind, ValidationRun? previous)
    {
        if (previous is null)
        {
            throw new ConflictException($"There is no {kind.ToString().ToLowerInvariant()} run to resume; start one without 'resume'.");
        }

        if (previous.Status == RunStatus.Completed)
        {
            throw new ConflictException($"The last {kind.ToString().ToLowerInvariant()} run ({previous.Id}) completed; start a new one without 'resume'.");
        }
    }

    /// <summary>
    /// Under the slot's gate: runs <paramref name="check"/> on the latest run (before anything is stopped, so a refused
    /// start changes nothing), stops the current run, makes the new one from the stopped one and starts its task.
    /// </summary>
    private async Task<ValidationRun> StartCoreAsync(
        RunKind kind, Action<ValidationRun?>? check, Func<ValidationRun?, ValidationRun> create, CancellationToken cancellationToken)
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

            check?.Invoke(slot.Run);
            await StopCurrentAsync(slot);
            var run = create(slot.Run);
            var cancellation = new CancellationTokenSource();
            slot.Run = run;
            slot.Cancellation = cancellation;
            slot.Task = Task.Run(() => ExecuteAsync(slot, run, cancellation.Token), CancellationToken.None);
            if (kind == RunKind.Full)
            {
                LogFullStarted(run.Id, run.BaseSide.ToWire(), Repairs(run));
            }
            else
            {
                LogIncrementalStarted(run.Id, run.BaseSide.ToWire(), run.Utime, run.IntervalMs, Repairs(run));
            }

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

    /// <summary>Shows each kind's last run from its checkpoint; one that was running when the process ended is interrupted.</summary>
    async Task IHostedService.StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            foreach (var checkpoint in await checkpoints.LoadAsync(cancellationToken))
            {
                _slots[(int)checkpoint.Kind].Run ??= ValidationRun.FromCheckpoint(checkpoint, running: false);
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogCheckpointLoadFailed(ex);
        }
    }

    Task IHostedService.StopAsync(CancellationToken cancellationToken)
    {
        // The host can be stopped twice at once and disposed after the first stop ends (WebApplication.Run stops and
        // disposes on the shutdown signal that another caller's StopAsync raised): every caller awaits the one
        // shutdown, so none reaches a disposed gate.
        lock (_shutdownLock)
        {
            // Past the host's shutdown timeout the host stops waiting; the runs' checkpoints say "interrupted" or older.
            return (_shutdown ??= ShutdownAsync()).WaitAsync(cancellationToken);
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
        using var saving = new CancellationTokenSource();
        run.SampleRate(time.GetUtcNow());
        // Saved at once, so the run is in the history (GET /migrator/runs) from its start.
        await SaveCheckpointAsync(run);
        var saver = SaveCheckpointsAsync(run, saving.Token);
        var progress = ReportProgressAsync(run, saving.Token);
        try
        {
            await validator.RunAsync(run, cancellationToken);
            // Durable before it is visible: whoever sees the run completed (the cut-over gate reads the control
            // database) finds it so there, with the conflicts it supersedes closed.
            var endedAt = time.GetUtcNow();
            if (run.Kind == RunKind.Full && run.Repair)
            {
                // A report-only run repairs nothing, so it decides no conflict again either.
                await SupersedeConflictsAsync(run);
            }

            await SaveCheckpointAsync(run, completedAt: endedAt);
            run.Complete(endedAt);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped, whatever the interrupted query threw on its way out: not a failure of the run.
            if (_shuttingDown)
            {
                run.Interrupt(time.GetUtcNow());
            }
            else
            {
                run.Stop(time.GetUtcNow());
            }
        }
        catch (Exception ex)
        {
            run.Fail(ex.Message, time.GetUtcNow());
            LogFailed(ex, run.Id, run.Kind);
        }
        finally
        {
            await saving.CancelAsync();
            await saver;
            await progress;
            await SaveCheckpointAsync(run);
            RunProgressLog.Summary(logger, run);
            await PruneHistoryAsync(run);
            Interlocked.Decrement(ref slot.Live);
        }
    }

    /// <summary>
    /// Logs one line per running table every <see cref="RunOptions.ProgressInterval"/> until cancelled; none when it
    /// is zero.
    /// </summary>
    private async Task ReportProgressAsync(ValidationRun run, CancellationToken cancellationToken)
    {
        if (runOptions.Value.ProgressInterval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(runOptions.Value.ProgressInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                RunProgressLog.Tables(logger, run);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Keeps the configured number of runs and their differences; a failure is logged, the next run's end tries again.</summary>
    private async Task PruneHistoryAsync(ValidationRun run)
    {
        try
        {
            var pruned = await history.PruneAsync(CancellationToken.None);
            if (pruned > 0)
            {
                LogPruned(pruned, run.Id);
            }
        }
        catch (Exception ex)
        {
            LogPruneFailed(ex, run.Id);
        }
    }

    private static string Repairs(ValidationRun run) => run.Repair ? "repairing what it finds" : "report only";

    /// <summary>
    /// A completed full run found every difference still there when it started; its repair decides each again. So the
    /// conflicts stored before it started are closed (a failure is logged; the next completed run closes them).
    /// </summary>
    private async Task SupersedeConflictsAsync(ValidationRun run)
    {
        try
        {
            var closed = await conflicts.SupersedeAsync(run.StartedAt, $"superseded by full run {run.Id}", CancellationToken.None);
            if (closed > 0)
            {
                LogConflictsSuperseded(closed, run.Id);
            }
        }
        catch (Exception ex)
        {
            LogSupersedeFailed(ex, run.Id);
        }
    }

    /// <summary>Samples the run's rate and saves its checkpoint every <see cref="RunOptions.CheckpointInterval"/> until cancelled.</summary>
    private async Task SaveCheckpointsAsync(ValidationRun run, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(runOptions.Value.CheckpointInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                run.SampleRate(time.GetUtcNow());
                await SaveCheckpointAsync(run);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>A failed save is logged and counted; the next one will carry the progress.</summary>
    /// <param name="completedAt">Saves the run as completed at this time, before it says so itself.</param>
    private async Task SaveCheckpointAsync(ValidationRun run, DateTimeOffset? completedAt = null)
    {
        try
        {
            var checkpoint = run.ToCheckpoint(time.GetUtcNow());
            if (completedAt is { } at)
            {
                checkpoint = checkpoint with { Status = RunStatus.Completed, EndedAt = at };
            }

            await checkpoints.SaveAsync(checkpoint, CancellationToken.None);
        }
        catch (Exception ex)
        {
            run.RecordError($"Failed to save a checkpoint: {ex.Message}", time.GetUtcNow());
            LogCheckpointSaveFailed(ex, run.Id);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Validation run {RunId} (Full) started, base {BaseSide}, {Repair}")]
    private partial void LogFullStarted(Guid runId, string baseSide, string repair);

    [LoggerMessage(Level = LogLevel.Information, Message = "Validation run {RunId} (Incremental) started, base {BaseSide}, from utime {Utime}, interval {IntervalMs} ms, {Repair}")]
    private partial void LogIncrementalStarted(Guid runId, string baseSide, long utime, long intervalMs, string repair);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run history: {Count} run(s) older than the retention deleted with their differences after run {RunId}")]
    private partial void LogPruned(int count, Guid runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete the runs past the retention after run {RunId}; the next run's end tries again")]
    private partial void LogPruneFailed(Exception exception, Guid runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failed to save the checkpoint of validation run {RunId}")]
    private partial void LogCheckpointSaveFailed(Exception exception, Guid runId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Failed to load validation checkpoints; earlier runs are not shown and cannot be resumed")]
    private partial void LogCheckpointLoadFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Full run {RunId} completed: {Count} conflicts stored before it started are closed; its repair decides those rows again")]
    private partial void LogConflictsSuperseded(int count, Guid runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not close the conflicts superseded by full run {RunId}")]
    private partial void LogSupersedeFailed(Exception exception, Guid runId);

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
