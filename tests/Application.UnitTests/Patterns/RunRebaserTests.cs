using Microsoft.Extensions.Logging.Abstractions;
using Migration.Application.Abstractions;
using Migration.Application.Patterns;
using Migration.Domain;
using Migration.Domain.Runs;
using NSubstitute;

namespace Migration.Application.UnitTests.Patterns;

public sealed class RunRebaserTests
{
    private readonly IValidationScheduler _scheduler = Substitute.For<IValidationScheduler>();
    private readonly RunRebaser _rebaser;
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public RunRebaserTests() => _rebaser = new RunRebaser(_scheduler, TimeProvider.System, NullLogger<RunRebaser>.Instance);

    private static ValidationRun Run(RunKind kind, Direction baseSide, long utime = 1_000, long intervalMs = 250) =>
        new(Guid.NewGuid(), kind, baseSide, utime, intervalMs, TimeProvider.System.GetUtcNow());

    /// <summary>The run's one table, <c>users</c>, with cursors at these versions.</summary>
    private static void Cursors(ValidationRun run, long? baseVersion, long? targetVersion)
    {
        run.Plan(["users"]);
        var table = run.Tables[0];
        if (baseVersion is { } b)
        {
            table.AdvanceBase(new TableCursor($"{b}", "42", b), 10);
        }

        if (targetVersion is { } t)
        {
            table.AdvanceTarget(new TableCursor($"{t}", "7", t), 3);
        }
    }

    private void StopReturns(RunKind kind, ValidationRun run, bool wasRunning = true) =>
        _scheduler.StopAsync(kind, Arg.Any<CancellationToken>()).Returns(_ =>
        {
            if (wasRunning)
            {
                run.Stop(TimeProvider.System.GetUtcNow());
            }

            return new StopOutcome(run, wasRunning);
        });

    [Fact]
    public async Task RebaseAsync_IncrementalOnTheOldBase_RestartsItWithTheSameIntervalJustBeforeItsOlderCursor()
    {
        var old = Run(RunKind.Incremental, Direction.Src);
        Cursors(old, 5_000, 4_000);
        _scheduler.Latest(RunKind.Incremental).Returns(old);
        StopReturns(RunKind.Incremental, old);
        var replacement = Run(RunKind.Incremental, Direction.Dst, 3_999);
        _scheduler.StartAsync(RunKind.Incremental, 3_999, 250, Arg.Any<long?>(), Arg.Any<bool?>(), Arg.Any<long?>(), Arg.Any<CancellationToken>()).Returns(replacement);

        var results = await _rebaser.RebaseAsync(Direction.Dst, _ct);

        var result = Assert.Single(results);
        Assert.Equal((true, old.Id, replacement.Id, "DST"), (result.Restarted, result.ReplacedRunId, result.Run.Id, result.Run.BaseSide));
        Received.InOrder(() =>
        {
            _scheduler.StopAsync(RunKind.Incremental, Arg.Any<CancellationToken>());
            _scheduler.StartAsync(RunKind.Incremental, 3_999, 250, Arg.Any<long?>(), Arg.Any<bool?>(), Arg.Any<long?>(), Arg.Any<CancellationToken>());
        });
    }

    [Fact]
    public async Task RebaseAsync_FullOnTheOldBase_RestartsItFromTheBeginning()
    {
        var old = Run(RunKind.Full, Direction.Dst, utime: 0, intervalMs: 0);
        old.Plan(["users"]);
        old.Tables[0].AdvanceBase(new TableCursor(null, "900"), 900);
        _scheduler.Latest(RunKind.Full).Returns(old);
        StopReturns(RunKind.Full, old);
        _scheduler.StartAsync(RunKind.Full, 0, 0, Arg.Any<long?>(), Arg.Any<bool?>(), Arg.Any<long?>(), Arg.Any<CancellationToken>()).Returns(Run(RunKind.Full, Direction.Src, 0, 0));

        var result = Assert.Single(await _rebaser.RebaseAsync(Direction.Src, _ct));

        Assert.True(result.Restarted);
        await _scheduler.Received(1).StartAsync(RunKind.Full, 0, 0, Arg.Any<long?>(), Arg.Any<bool?>(), Arg.Any<long?>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task RebaseAsync_RunAlreadyOnTheNewBase_KeepsIt()
    {
        var run = Run(RunKind.Incremental, Direction.Src);
        _scheduler.Latest(RunKind.Incremental).Returns(run);

        var result = Assert.Single(await _rebaser.RebaseAsync(Direction.Src, _ct));

        Assert.Equal((false, run.Id), (result.Restarted, result.Run.Id));
        await _scheduler.DidNotReceiveWithAnyArgs().StopAsync(default, _ct);
    }

    [Fact]
    public async Task RebaseAsync_NoRunOrEndedRuns_DoesNothing()
    {
        var ended = Run(RunKind.Full, Direction.Src);
        ended.Complete(TimeProvider.System.GetUtcNow());
        _scheduler.Latest(RunKind.Full).Returns(ended);

        Assert.Empty(await _rebaser.RebaseAsync(Direction.Dst, _ct));
        await _scheduler.DidNotReceiveWithAnyArgs().StopAsync(default, _ct);
    }

    [Fact]
    public async Task RebaseAsync_RunEndsBetweenLookAndStop_IsNotStartedAgain()
    {
        var run = Run(RunKind.Incremental, Direction.Src);
        _scheduler.Latest(RunKind.Incremental).Returns(run);
        StopReturns(RunKind.Incremental, run, wasRunning: false);

        Assert.Empty(await _rebaser.RebaseAsync(Direction.Dst, _ct));
        await _scheduler.DidNotReceiveWithAnyArgs().StartAsync(default, default, default, default, default, default, _ct);
    }

    [Fact]
    public async Task RebaseAsync_IncrementalWithASweepRate_RestartsItAtThatRate()
    {
        var old = new ValidationRun(Guid.NewGuid(), RunKind.Incremental, Direction.Src, 1_000, 250, TimeProvider.System.GetUtcNow(), 0, repair: false)
        {
            SweepMaxRowsPerSecond = 500,
        };
        _scheduler.Latest(RunKind.Incremental).Returns(old);
        StopReturns(RunKind.Incremental, old);
        _scheduler.StartAsync(RunKind.Incremental, Arg.Any<long>(), 250, Arg.Any<long?>(), Arg.Any<bool?>(), Arg.Any<long?>(), Arg.Any<CancellationToken>())
            .Returns(Run(RunKind.Incremental, Direction.Dst));

        await _rebaser.RebaseAsync(Direction.Dst, _ct);

        await _scheduler.Received(1).StartAsync(
            RunKind.Incremental, Arg.Any<long>(), Arg.Is(250L), Arg.Is<long?>(0), Arg.Is<bool?>(false), Arg.Is<long?>(500), Arg.Any<CancellationToken>());
    }

    [Fact]
    public void SweepRate_ResumedRunWithoutOne_IsTheRateItsTablesWereSweptAt()
    {
        var run = Run(RunKind.Incremental, Direction.Src);
        run.Plan(["users", "orders"]);
        run.Tables[1].StartSweep(only: false, maxRowsPerSecond: 700);

        Assert.Equal(700, RunRebaser.SweepRate(run));
        Assert.Null(RunRebaser.SweepRate(Run(RunKind.Incremental, Direction.Src)));
    }

    [Fact]
    public void ResumeUtime_NothingReadYet_IsTheRunsOwnUtime() =>
        Assert.Equal(1_000, RunRebaser.ResumeUtime(Run(RunKind.Incremental, Direction.Src)));

    [Fact]
    public void ResumeUtime_OneDirectionNotStarted_NeverGoesBeforeTheRunsUtime()
    {
        var run = Run(RunKind.Incremental, Direction.Src);
        Cursors(run, 9_000, null);

        Assert.Equal(1_000, RunRebaser.ResumeUtime(run));
    }
}
