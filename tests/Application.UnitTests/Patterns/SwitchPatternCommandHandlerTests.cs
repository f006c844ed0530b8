using Microsoft.Extensions.Logging.Abstractions;
using Migration.Application.Abstractions;
using Migration.Application.Common;
using Migration.Application.Patterns;
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
    private readonly SwitchPatternCommandHandler _handler;
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public SwitchPatternCommandHandlerTests()
    {
        _instances.InstanceId.Returns("me");
        _instances.LiveInstancesAsync(Arg.Any<CancellationToken>()).Returns([]);
        _handler = new SwitchPatternCommandHandler(
            _patterns, _instances, new RunRebaser(_scheduler, TimeProvider.System, NullLogger<RunRebaser>.Instance),
            NullLogger<SwitchPatternCommandHandler>.Instance);
    }

    private static StoredPattern Stored(WritePattern pattern, long version, bool forced = false) =>
        new(pattern, version, TimeProvider.System.GetUtcNow(), "me", forced);

    private void Current(WritePattern pattern, long version) =>
        _patterns.ReadAsync(Arg.Any<CancellationToken>()).Returns(Stored(pattern, version));

    private static InstanceStatus Instance(string id, WritePattern pattern, long version) =>
        new(id, "host", pattern, version, TimeProvider.System.GetUtcNow(), TimeProvider.System.GetUtcNow(), 0);

    [Fact]
    public async Task Handle_OneStep_StoresItFromTheVersionItWasCheckedAgainst()
    {
        Current(WritePattern.SrcOnly, 4);
        _patterns.TrySetAsync(WritePattern.SrcFirst, 4, false, Arg.Any<CancellationToken>()).Returns(Stored(WritePattern.SrcFirst, 5));

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
        await _patterns.DidNotReceiveWithAnyArgs().TrySetAsync(default, default, default, _ct);
    }

    [Fact]
    public async Task Handle_ForcedJump_IsStoredAsForced()
    {
        Current(WritePattern.DstOnly, 7);
        _patterns.TrySetAsync(WritePattern.SrcOnly, 7, true, Arg.Any<CancellationToken>()).Returns(Stored(WritePattern.SrcOnly, 8, forced: true));

        var result = await _handler.Handle(new SwitchPatternCommand("src_only", Force: true), _ct);

        Assert.Equal(("src_only", true, true), (result.Pattern, result.Changed, result.Forced));
    }

    [Fact]
    public async Task Handle_SamePattern_ChangesNothing()
    {
        Current(WritePattern.DstFirst, 3);

        var result = await _handler.Handle(new SwitchPatternCommand("dst_first", false), _ct);

        Assert.Equal((false, 3L), (result.Changed, result.Version));
        await _patterns.DidNotReceiveWithAnyArgs().TrySetAsync(default, default, default, _ct);
    }

    [Fact]
    public async Task Handle_AnotherSwitchStoredFirst_RefusesNamingThePatternNow()
    {
        _patterns.ReadAsync(Arg.Any<CancellationToken>()).Returns(Stored(WritePattern.SrcOnly, 1), Stored(WritePattern.SrcFirst, 2));
        _patterns.TrySetAsync(WritePattern.SrcFirst, 1, false, Arg.Any<CancellationToken>()).Returns((StoredPattern?)null);

        var refused = await Assert.ThrowsAsync<ConflictException>(() => _handler.Handle(new SwitchPatternCommand("src_first", false), _ct).AsTask());

        Assert.Equal(("src_first", 2L), (refused.Details["current"], refused.Details["version"]));
    }

    [Fact]
    public async Task Handle_StepWhileAnotherInstanceLags_RefusesNamingIt_UnlessForced()
    {
        Current(WritePattern.SrcFirst, 2);
        _instances.LiveInstancesAsync(Arg.Any<CancellationToken>()).Returns([Instance("me", WritePattern.SrcFirst, 2), Instance("slow", WritePattern.SrcOnly, 1)]);
        _patterns.TrySetAsync(WritePattern.DstFirst, 2, true, Arg.Any<CancellationToken>()).Returns(Stored(WritePattern.DstFirst, 3, forced: true));

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
        _patterns.TrySetAsync(WritePattern.DstFirst, 2, false, Arg.Any<CancellationToken>()).Returns(Stored(WritePattern.DstFirst, 3));
        var old = new ValidationRun(Guid.NewGuid(), RunKind.Incremental, "users", Direction.Src, 0, 100, TimeProvider.System.GetUtcNow());
        _scheduler.Latest(RunKind.Incremental).Returns(old);
        _scheduler.StopAsync(RunKind.Incremental, Arg.Any<CancellationToken>()).Returns(new StopOutcome(old, true));
        _scheduler.StartAsync(RunKind.Incremental, 0, 100, Arg.Any<long?>(), Arg.Any<CancellationToken>())
            .Returns(new ValidationRun(Guid.NewGuid(), RunKind.Incremental, "users", Direction.Dst, 0, 100, TimeProvider.System.GetUtcNow()));

        var result = await _handler.Handle(new SwitchPatternCommand("dst_first", false), _ct);

        var restarted = Assert.Single(result.Validation);
        Assert.Equal((true, old.Id, "DST"), (restarted.Restarted, restarted.ReplacedRunId, restarted.Run.BaseSide));
        Assert.Contains("Restarted incremental validation with base DST", result.Message, StringComparison.Ordinal);
    }
}
