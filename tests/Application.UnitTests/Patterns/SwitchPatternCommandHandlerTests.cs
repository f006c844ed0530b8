using Microsoft.Extensions.Logging.Abstractions;
using Migration.Application.Abstractions;
using Migration.Application.Common;
using Migration.Application.Patterns;
using Migration.Application.Patterns.Cutover;
using Migration.Application.Patterns.SwitchPattern;
using Migration.Domain;
using Migration.Domain.Patterns;
using Migration.Domain.Runs;
using NSubstitute;

namespace Migration.Application.UnitTests.Patterns;

public sealed class SwitchPatternCommandHandlerTests
{
    private readonly IPatternStore _patterns = Substitute.For<IPatternStore>();
    private readonly IInstanceRegistry _instances = Substitute.For<IInstanceRegistry>();
    private readonly IValidationScheduler _scheduler = Substitute.For<IValidationScheduler>();
    private readonly IRunCheckpointStore _checkpoints = Substitute.For<IRunCheckpointStore>();
    private readonly IRepairBacklog _backlog = Substitute.For<IRepairBacklog>();
    private readonly IConflictStore _conflicts = Substitute.For<IConflictStore>();
    private readonly IDeadLetterStore _deadLetters = Substitute.For<IDeadLetterStore>();
    private readonly CutoverOptions _cutover = new() { QuietSeconds = 0 };
    private readonly SwitchPatternCommandHandler _handler;
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public SwitchPatternCommandHandlerTests()
    {
        _instances.InstanceId.Returns("me");
        _instances.LiveInstancesAsync(Arg.Any<CancellationToken>()).Returns([]);
        _checkpoints.LoadAsync(Arg.Any<CancellationToken>()).Returns([]);
        _backlog.GetAsync(Arg.Any<CancellationToken>()).Returns(new RepairBacklog(0, null));
        _deadLetters.CountAsync(Arg.Any<CancellationToken>()).Returns(new DeadLetterCounts(0, 0));
        _handler = new SwitchPatternCommandHandler(
            _patterns, _instances, new CutoverGate(_instances, _checkpoints, _backlog, _conflicts, _deadLetters, Microsoft.Extensions.Options.Options.Create(_cutover), TimeProvider.System),
            new RunRebaser(_scheduler, TimeProvider.System, NullLogger<RunRebaser>.Instance), NullLogger<SwitchPatternCommandHandler>.Instance);
    }

    /// <summary>A completed full run with this base, started after every switch the tests store.</summary>
    private void ProvenBy(Direction baseSide, long targetMissing = 0) =>
        _checkpoints.LoadAsync(Arg.Any<CancellationToken>()).Returns([new RunCheckpoint(
            Guid.NewGuid(), RunKind.Full, baseSide, 0, 0, TimeProvider.System.GetUtcNow().AddMinutes(1), TimeProvider.System.GetUtcNow().AddMinutes(2),
            RunStatus.Completed, 0, null, TimeProvider.System.GetUtcNow(), 0,
            [new TableCheckpoint("users", TableRunStatus.Completed, TableCursor.Start, TableCursor.Start, 100, targetMissing, 0, 0, targetMissing, 0, null, 100)])]);

    private static StoredPattern Stored(WritePattern pattern, long version, bool forced = false) =>
        new(pattern, version, TimeProvider.System.GetUtcNow(), "me", forced);

    private void Current(WritePattern pattern, long version) =>
        _patterns.ReadAsync(Arg.Any<CancellationToken>()).Returns(Stored(pattern, version));

    private static InstanceStatus Instance(string id, WritePattern pattern, long version) =>
        new(id, "host", pattern, version, TimeProvider.System.GetUtcNow(), TimeProvider.System.GetUtcNow(), 0, TimeProvider.System.GetUtcNow());

    [Fact]
    public async Task Handle_OneStep_StoresItFromTheVersionItWasCheckedAgainst()
    {
        Current(WritePattern.SrcOnly, 4);
        _patterns.TrySetAsync(WritePattern.SrcFirst, 4, false, Arg.Any<string?>(), Arg.Any<CancellationToken>()).Returns(Stored(WritePattern.SrcFirst, 5));

        var result = await _handler.Handle(new SwitchPatternCommand("src_first", Force: false), _ct);

        Assert.Equal(("src_only", "src_first", true, false, 5L, "SRC"), (result.Previous, result.Pattern, result.Changed, result.Forced, result.Version, result.BaseSide));
        Assert.Equal(["src_only", "dst_first"], result.Allowed);
    }

    [Fact]
    public async Task Handle_JumpWithoutForce_RefusesWithCurrentAndAllowedAndStoresNothing()
    {
        Current(WritePattern.SrcOnly, 1);

        var refused = await Assert.ThrowsAsync<ConflictException>(() => _handler.Handle(new SwitchPatternCommand("dst_only", false), _ct).AsTask());

        Assert.Equal("src_only", refused.Details["current"]);
        Assert.Equal("dst_only", refused.Details["requested"]);
        Assert.Equal(new[] { "src_first" }, refused.Details["allowed"]);
        await _patterns.DidNotReceiveWithAnyArgs().TrySetAsync(default, default, default, default, _ct);
    }

    [Fact]
    public async Task Handle_ForcedJump_IsStoredAsForced()
    {
        Current(WritePattern.DstOnly, 7);
        _patterns.TrySetAsync(WritePattern.SrcOnly, 7, true, Arg.Any<string?>(), Arg.Any<CancellationToken>()).Returns(Stored(WritePattern.SrcOnly, 8, forced: true));

        var result = await _handler.Handle(new SwitchPatternCommand("src_only", Force: true), _ct);

        Assert.Equal(("src_only", true, true), (result.Pattern, result.Changed, result.Forced));
    }

    [Fact]
    public async Task Handle_SamePattern_ChangesNothing()
    {
        Current(WritePattern.DstFirst, 3);

        var result = await _handler.Handle(new SwitchPatternCommand("dst_first", false), _ct);

        Assert.Equal((false, 3L), (result.Changed, result.Version));
        await _patterns.DidNotReceiveWithAnyArgs().TrySetAsync(default, default, default, default, _ct);
    }

    [Fact]
    public async Task Handle_AnotherSwitchStoredFirst_RefusesNamingThePatternNow()
    {
        _patterns.ReadAsync(Arg.Any<CancellationToken>()).Returns(Stored(WritePattern.SrcOnly, 1), Stored(WritePattern.SrcFirst, 2));
        _patterns.TrySetAsync(WritePattern.SrcFirst, 1, false, Arg.Any<string?>(), Arg.Any<CancellationToken>()).Returns((StoredPattern?)null);

        var refused = await Assert.ThrowsAsync<ConflictException>(() => _handler.Handle(new SwitchPatternCommand("src_first", false), _ct).AsTask());

        Assert.Equal(("src_first", 2L), (refused.Details["current"], refused.Details["version"]));
    }

    [Fact]
    public async Task Handle_StepWhileAnotherInstanceLags_RefusesNamingIt_UnlessForced()
    {
        Current(WritePattern.SrcFirst, 2);
        _instances.LiveInstancesAsync(Arg.Any<CancellationToken>()).Returns([Instance("me", WritePattern.SrcFirst, 2), Instance("slow", WritePattern.SrcOnly, 1)]);
        _patterns.TrySetAsync(WritePattern.DstFirst, 2, true, Arg.Any<string?>(), Arg.Any<CancellationToken>()).Returns(Stored(WritePattern.DstFirst, 3, forced: true));

        var refused = await Assert.ThrowsAsync<ConflictException>(() => _handler.Handle(new SwitchPatternCommand("dst_first", false), _ct).AsTask());
        var forced = await _handler.Handle(new SwitchPatternCommand("dst_first", Force: true), _ct);

        Assert.Equal(new[] { "slow" }, refused.Details["lagging"]);
        Assert.Contains("slow (src_only)", refused.Message, StringComparison.Ordinal);
        Assert.Equal(("dst_first", true), (forced.Pattern, forced.Forced));
    }

    [Fact]
    public async Task Handle_BaseSideChanges_RestartsTheRunningIncrementalRunAndSaysSo()
    {
        Current(WritePattern.SrcFirst, 2);
        _patterns.TrySetAsync(WritePattern.DstFirst, 2, false, Arg.Any<string?>(), Arg.Any<CancellationToken>()).Returns(Stored(WritePattern.DstFirst, 3));
        ProvenBy(Direction.Src);
        var old = new ValidationRun(Guid.NewGuid(), RunKind.Incremental, Direction.Src, 0, 100, TimeProvider.System.GetUtcNow());
        _scheduler.Latest(RunKind.Incremental).Returns(old);
        _scheduler.StopAsync(RunKind.Incremental, Arg.Any<CancellationToken>()).Returns(new StopOutcome(old, true));
        _scheduler.StartAsync(RunKind.Incremental, 0, 100, Arg.Any<long?>(), Arg.Any<bool?>(), Arg.Any<long?>(), Arg.Any<CancellationToken>())
            .Returns(new ValidationRun(Guid.NewGuid(), RunKind.Incremental, Direction.Dst, 0, 100, TimeProvider.System.GetUtcNow()));

        var result = await _handler.Handle(new SwitchPatternCommand("dst_first", false), _ct);

        var restarted = Assert.Single(result.Validation);
        Assert.Equal((true, old.Id, "DST"), (restarted.Restarted, restarted.ReplacedRunId, restarted.Run.BaseSide));
        Assert.Contains("Restarted incremental validation with base DST", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handle_BaseChangeWithoutAFullRunSinceTheSwitch_RefusesWithWhatIsMissing()
    {
        Current(WritePattern.SrcFirst, 2);
        _conflicts.CountOpenAsync(Arg.Any<CancellationToken>()).Returns(3);
        _backlog.GetAsync(Arg.Any<CancellationToken>()).Returns(new RepairBacklog(4, null));
        _deadLetters.CountAsync(Arg.Any<CancellationToken>()).Returns(new DeadLetterCounts(2, 5));

        var refused = await Assert.ThrowsAsync<ConflictException>(() => _handler.Handle(new SwitchPatternCommand("dst_first", false), _ct).AsTask());

        var reasons = Assert.IsAssignableFrom<IReadOnlyList<string>>(refused.Details["reasons"]);
        Assert.Contains(reasons, r => r.Contains("no full validation with base SRC", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.Contains("4 event(s) wait in the outbox", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.Contains("3 conflict(s) are open", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.Contains("2 event(s) the repair gave up on", StringComparison.Ordinal));
        var risk = Assert.IsType<CutoverRisk>(refused.Details["atRisk"]);
        Assert.Equal((4L, 3L, 2L), (risk.EventsNotRepaired, risk.OpenConflicts, risk.OpenDeadLetters));
        await _patterns.DidNotReceiveWithAnyArgs().TrySetAsync(default, default, default, default, _ct);
    }

    [Fact]
    public async Task Handle_BaseChangeAfterAProvenRun_ButAnOlderRunOrOtherBase_Refuses()
    {
        Current(WritePattern.DstFirst, 5);
        ProvenBy(Direction.Src, targetMissing: 31);

        var refused = await Assert.ThrowsAsync<ConflictException>(() => _handler.Handle(new SwitchPatternCommand("src_first", false), _ct).AsTask());

        Assert.Contains("no full validation with base DST", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handle_BaseChangeWithRepairedFullRun_Switches()
    {
        Current(WritePattern.DstFirst, 5);
        ProvenBy(Direction.Dst);
        _patterns.TrySetAsync(WritePattern.SrcFirst, 5, false, Arg.Any<string?>(), Arg.Any<CancellationToken>()).Returns(Stored(WritePattern.SrcFirst, 6));

        var result = await _handler.Handle(new SwitchPatternCommand("src_first", false), _ct);

        Assert.Equal(("src_first", false), (result.Pattern, result.Forced));
    }

    [Fact]
    public async Task Handle_BaseChangeForcedWithoutProof_StoresWhoForcedIt()
    {
        Current(WritePattern.SrcFirst, 2);
        _patterns.TrySetAsync(WritePattern.DstFirst, 2, true, "ops-alice", Arg.Any<CancellationToken>()).Returns(Stored(WritePattern.DstFirst, 3, forced: true));

        var result = await _handler.Handle(new SwitchPatternCommand("dst_first", Force: true, Actor: "ops-alice"), _ct);

        Assert.True(result.Forced);
        await _patterns.Received(1).TrySetAsync(WritePattern.DstFirst, 2, true, "ops-alice", Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Handle_BaseChangeWhileIncrementalLagsOrADifferenceIsFresh_RefusesSayingWhy()
    {
        Current(WritePattern.SrcFirst, 2);
        var now = TimeProvider.System.GetUtcNow();
        var proven = new RunCheckpoint(
            Guid.NewGuid(), RunKind.Full, Direction.Src, 0, 0, now.AddMinutes(1), now.AddMinutes(2), RunStatus.Completed, 0, null, now, 0,
            [new TableCheckpoint("users", TableRunStatus.Completed, TableCursor.Start, TableCursor.Start, 100, 0, 0, 0, 0, 0, null, 100)]);
        var incremental = new RunCheckpoint(
            Guid.NewGuid(), RunKind.Incremental, Direction.Src, 0, 500, now.AddMinutes(-5), null, RunStatus.Running, 0, null, now, 0,
            [new TableCheckpoint("users", TableRunStatus.Running, TableCursor.Start, TableCursor.Start, 10, 0, 0, 0, 0, 0, null, 0, now.AddSeconds(-30))]);
        _checkpoints.LoadAsync(Arg.Any<CancellationToken>()).Returns([proven, incremental]);
        _backlog.GetAsync(Arg.Any<CancellationToken>()).Returns(new RepairBacklog(0, null, now.AddSeconds(-2)));
        _cutover.QuietSeconds = 10;

        var refused = await Assert.ThrowsAsync<ConflictException>(() => _handler.Handle(new SwitchPatternCommand("dst_first", false), _ct).AsTask());

        var reasons = Assert.IsAssignableFrom<IReadOnlyList<string>>(refused.Details["reasons"]);
        Assert.Equal(2, reasons.Count);
        Assert.Contains(reasons, r => r.Contains("last caught up", StringComparison.Ordinal) && r.Contains("MaxLagMs", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.Contains("waits for 10 s without one", StringComparison.Ordinal));
    }
}
