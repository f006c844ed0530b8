using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Migration.Application.Abstractions;
using Migration.Application.Common;
using Migration.Application.Validation;
using Migration.Domain;
using Migration.Domain.Patterns;
using Migration.Domain.Runs;
using NSubstitute;

namespace Migration.Application.UnitTests.Validation;

public sealed class ValidationSchedulerTests
{
    private readonly ITableValidator _validator = Substitute.For<ITableValidator>();
    private readonly IPatternStore _patterns = Substitute.For<IPatternStore>();
    private readonly IRunCheckpointStore _checkpoints = Substitute.For<IRunCheckpointStore>();
    private readonly ValidationScheduler _scheduler;
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public ValidationSchedulerTests()
    {
        _patterns.GetAsync(Arg.Any<CancellationToken>()).Returns(WritePattern.SrcFirst);
        _scheduler = new ValidationScheduler(
            _validator, _patterns, _checkpoints, Substitute.For<IConflictStore>(), Substitute.For<IRunHistory>(), Options.Create(new RunOptions()), TimeProvider.System,
            NullLogger<ValidationScheduler>.Instance);
    }

    /// <summary>A validator that runs until cancelled, then takes a moment to clean up, recording its exit.</summary>
    private void RunUntilCancelled(List<Guid> exited, List<(Guid Started, int ExitedBefore)> started)
    {
        _validator.RunAsync(Arg.Any<ValidationRun>(), Arg.Any<CancellationToken>()).Returns(async call =>
        {
            var run = call.Arg<ValidationRun>();
            lock (exited)
            {
                started.Add((run.Id, exited.Count));
            }

            try
            {
                await Task.Delay(Timeout.Infinite, call.Arg<CancellationToken>());
            }
            finally
            {
                await Task.Delay(50, CancellationToken.None);
                lock (exited)
                {
                    exited.Add(run.Id);
                }
            }
        });
    }

    [Fact]
    public async Task StartAsync_WhileRunning_StopsAndAwaitsOldRunBeforeStartingNew()
    {
        List<Guid> exited = [];
        List<(Guid Started, int ExitedBefore)> started = [];
        RunUntilCancelled(exited, started);

        var first = await _scheduler.StartAsync(RunKind.Incremental, 0, 500, null, null, _ct);
        await WaitUntil(() => started.Count == 1);
        var second = await _scheduler.StartAsync(RunKind.Incremental, 10, 500, null, null, _ct);
        await WaitUntil(() => started.Count == 2);

        Assert.Equal(RunStatus.Stopped, first.Status);
        Assert.Equal([first.Id], exited);
        Assert.Equal((second.Id, 1), started[1]);
        Assert.Same(second, _scheduler.Latest(RunKind.Incremental));
        Assert.Equal(Direction.Src, second.BaseSide);
    }

    [Fact]
    public async Task StopAsync_Running_ReturnsAfterTheTaskExited()
    {
        List<Guid> exited = [];
        RunUntilCancelled(exited, []);
        var run = await _scheduler.StartAsync(RunKind.Incremental, 0, 500, null, null, _ct);

        var outcome = await _scheduler.StopAsync(RunKind.Incremental, _ct);

        Assert.True(outcome.WasRunning);
        Assert.Same(run, outcome.Run);
        Assert.Equal(RunStatus.Stopped, run.Status);
        Assert.Equal([run.Id], exited);
        Assert.Equal(0, _scheduler.LiveTasks(RunKind.Incremental));
    }

    [Fact]
    public async Task StopAsync_Twice_SecondIsHarmless()
    {
        RunUntilCancelled([], []);
        var run = await _scheduler.StartAsync(RunKind.Full, 0, 0, null, null, _ct);
        await _scheduler.StopAsync(RunKind.Full, _ct);

        var again = await _scheduler.StopAsync(RunKind.Full, _ct);

        Assert.False(again.WasRunning);
        Assert.Same(run, again.Run);
    }

    [Fact]
    public async Task StopAsync_NeverStarted_ReturnsNoRun()
    {
        var outcome = await _scheduler.StopAsync(RunKind.Incremental, _ct);
        Assert.Equal(new StopOutcome(null, false), outcome);
    }

    [Fact]
    public async Task StartAsync_ValidatorReturns_RunCompletes()
    {
        _validator.RunAsync(Arg.Any<ValidationRun>(), Arg.Any<CancellationToken>()).Returns(Task.CompletedTask);
        var run = await _scheduler.StartAsync(RunKind.Full, 0, 0, null, null, _ct);
        await WaitUntil(() => run.Status != RunStatus.Running);
        Assert.Equal(RunStatus.Completed, run.Status);
    }

    [Fact]
    public async Task StartAsync_ValidatorThrows_RunFailsWithTheReason()
    {
        _validator.RunAsync(Arg.Any<ValidationRun>(), Arg.Any<CancellationToken>())
            .Returns(Task.FromException(new InvalidOperationException("columns differ")));
        var run = await _scheduler.StartAsync(RunKind.Full, 0, 0, null, null, _ct);
        await WaitUntil(() => run.Status != RunStatus.Running);
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal("columns differ", run.LastError);
    }

    [Fact]
    public async Task ConcurrentStartsAndStops_NeverMoreThanOneTaskPerKind()
    {
        RunUntilCancelled([], []);
        var calls = Enumerable.Range(0, 200).Select(i => Task.Run(async () =>
        {
            var kind = i % 2 == 0 ? RunKind.Incremental : RunKind.Full;
            if (i % 3 == 0)
            {
                await _scheduler.StopAsync(kind, _ct);
            }
            else
            {
                await _scheduler.StartAsync(kind, i, 500, null, null, _ct);
            }
        }, _ct));
        await Task.WhenAll(calls);

        Assert.Equal(1, _scheduler.MaxLiveTasks(RunKind.Incremental));
        Assert.Equal(1, _scheduler.MaxLiveTasks(RunKind.Full));
        await _scheduler.StopAsync(RunKind.Incremental, _ct);
        await _scheduler.StopAsync(RunKind.Full, _ct);
        Assert.Equal(0, _scheduler.LiveTasks(RunKind.Incremental));
        Assert.Equal(0, _scheduler.LiveTasks(RunKind.Full));
    }

    [Fact]
    public async Task HostStop_StopsRunsAndRefusesNewOnes()
    {
        RunUntilCancelled([], []);
        var run = await _scheduler.StartAsync(RunKind.Incremental, 0, 500, null, null, _ct);

        await ((IHostedService)_scheduler).StopAsync(_ct);

        Assert.Equal(RunStatus.Interrupted, run.Status);
        await Assert.ThrowsAsync<ConflictException>(() => _scheduler.StartAsync(RunKind.Incremental, 0, 500, null, null, _ct));
        await _checkpoints.Received().SaveAsync(Arg.Is<RunCheckpoint>(c => c.RunId == run.Id && c.Status == RunStatus.Interrupted), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task StartAndResume_TableCannotBeCompared_ThrowTheValidatorsConflictAndLeaveTheRunningRunAlone()
    {
        List<Guid> exited = [];
        List<(Guid Started, int ExitedBefore)> started = [];
        RunUntilCancelled(exited, started);
        var running = await _scheduler.StartAsync(RunKind.Incremental, 0, 500, null, null, _ct);
        // The run is inside the validator before the substitute is configured again: NSubstitute's configuration
        // races with calls made meanwhile on other threads.
        await WaitUntil(() =>
        {
            lock (exited)
            {
                return started.Count == 1;
            }
        });
        var refusal = new ConflictException("Table 'users' has a key column 'id' that is not an integer.", new Dictionary<string, object?> { ["column"] = "id" });
        _validator.EnsureComparableAsync(RunKind.Incremental, Arg.Any<CancellationToken>()).Returns(Task.FromException(refusal));

        Assert.Same(refusal, await Assert.ThrowsAsync<ConflictException>(() => _scheduler.StartAsync(RunKind.Incremental, 0, 500, null, null, _ct)));
        Assert.Same(refusal, await Assert.ThrowsAsync<ConflictException>(() => _scheduler.ResumeAsync(RunKind.Incremental, null, null, _ct)));

        Assert.Same(running, _scheduler.Latest(RunKind.Incremental));
        Assert.Equal(RunStatus.Running, running.Status);
        Assert.Equal((1, 1), (_scheduler.LiveTasks(RunKind.Incremental), _scheduler.MaxLiveTasks(RunKind.Incremental)));
        await _validator.Received(1).RunAsync(Arg.Any<ValidationRun>(), Arg.Any<CancellationToken>());
        await _scheduler.StopAsync(RunKind.Incremental, _ct);
    }

    [Fact]
    public async Task ResumeAsync_NoEarlierRun_ThrowsConflict() =>
        await Assert.ThrowsAsync<ConflictException>(() => _scheduler.ResumeAsync(RunKind.Full, null, null, _ct));

    [Fact]
    public async Task ResumeAsync_AfterCompletedRun_ThrowsConflictAndKeepsTheRun()
    {
        _validator.RunAsync(Arg.Any<ValidationRun>(), Arg.Any<CancellationToken>()).Returns(Task.CompletedTask);
        var run = await _scheduler.StartAsync(RunKind.Full, 0, 0, null, null, _ct);
        await WaitUntil(() => run.Status == RunStatus.Completed);

        await Assert.ThrowsAsync<ConflictException>(() => _scheduler.ResumeAsync(RunKind.Full, null, null, _ct));
        Assert.Same(run, _scheduler.Latest(RunKind.Full));
    }

    [Fact]
    public async Task ResumeAsync_AfterStop_ContinuesTheSameRunFromItsSafeCursor()
    {
        _validator.RunAsync(Arg.Any<ValidationRun>(), Arg.Any<CancellationToken>()).Returns(async call =>
        {
            var run = call.Arg<ValidationRun>();
            run.Plan(["users"]);
            var table = run.Tables[0];
            if (table.BaseCursor.IsStart)
            {
                table.AdvanceBase(new TableCursor(null, "500"), 500);
                table.MarkSafe(new TableCursor(null, "400"), table.TargetCursor);
            }

            await Task.Delay(Timeout.Infinite, call.Arg<CancellationToken>());
        });
        var first = await _scheduler.StartAsync(RunKind.Full, 0, 0, null, null, _ct);
        await WaitUntil(() => first.RowsChecked == 500);
        await _scheduler.StopAsync(RunKind.Full, _ct);

        var resumed = await _scheduler.ResumeAsync(RunKind.Full, null, null, _ct);

        Assert.Equal(first.Id, resumed.Id);
        Assert.Equal(RunStatus.Running, resumed.Status);
        Assert.Equal(new TableCursor(null, "400"), resumed.Tables[0].BaseCursor);
        Assert.Equal(500, resumed.RowsChecked);
    }

    [Fact]
    public async Task HostStart_CheckpointOfARunningRun_ShowsItInterruptedAndResumable()
    {
        var id = Guid.NewGuid();
        _checkpoints.LoadAsync(Arg.Any<CancellationToken>()).Returns([new RunCheckpoint(
            id, RunKind.Incremental, Direction.Src, 100, 500, DateTimeOffset.UnixEpoch, null, RunStatus.Running, 0, null,
            DateTimeOffset.UnixEpoch.AddMinutes(1), 0,
            [new TableCheckpoint("users", TableRunStatus.Running, new TableCursor("150", "7", 150), new TableCursor("120", "3", 120), 42, 1, 2, 3, 6, 0, null, 0)])]);
        RunUntilCancelled([], []);

        await ((IHostedService)_scheduler).StartAsync(_ct);
        var shown = _scheduler.Latest(RunKind.Incremental)!;
        var resumed = await _scheduler.ResumeAsync(RunKind.Incremental, 250, null, _ct);

        Assert.Equal((id, RunStatus.Interrupted, 42L), (shown.Id, shown.Status, shown.RowsChecked));
        Assert.Equal((id, new TableCursor("150", "7", 150), new TableCursor("120", "3", 120), 250L),
            (resumed.Id, resumed.Tables[0].BaseCursor, resumed.Tables[0].TargetCursor, resumed.IntervalMs));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 10 s");
            await Task.Delay(10);
        }
    }
}
