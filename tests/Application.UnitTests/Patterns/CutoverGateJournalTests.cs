using Migration.Application.Abstractions;
using Migration.Application.Patterns.Cutover;
using Migration.Domain;
using Migration.Domain.Patterns;
using Migration.Domain.Runs;
using NSubstitute;

namespace Migration.Application.UnitTests.Patterns;

/// <summary>The cut-over gate's write-journal reason: a running incremental run must have verified the journals within MaxLagMs.</summary>
public sealed class CutoverGateJournalTests
{
    private readonly IInstanceRegistry _instances = Substitute.For<IInstanceRegistry>();
    private readonly IRunCheckpointStore _checkpoints = Substitute.For<IRunCheckpointStore>();
    private readonly IRepairBacklog _backlog = Substitute.For<IRepairBacklog>();
    private readonly IConflictStore _conflicts = Substitute.For<IConflictStore>();
    private readonly IDeadLetterStore _deadLetters = Substitute.For<IDeadLetterStore>();
    private readonly IWriteJournalMonitor _journal = Substitute.For<IWriteJournalMonitor>();
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;
    private readonly DateTimeOffset _now = TimeProvider.System.GetUtcNow();

    public CutoverGateJournalTests()
    {
        _instances.LiveInstancesAsync(Arg.Any<CancellationToken>()).Returns([]);
        _backlog.GetAsync(Arg.Any<CancellationToken>()).Returns(new RepairBacklog(0, null));
        _deadLetters.CountAsync(Arg.Any<CancellationToken>()).Returns(new DeadLetterCounts(0, 0));
    }

    private CutoverGate Gate() => new(
        _instances, _checkpoints, _backlog, _conflicts, _deadLetters,
        Microsoft.Extensions.Options.Options.Create(new CutoverOptions { MaxLagMs = 5_000, QuietSeconds = 0 }), TimeProvider.System, _journal);

    private void Runs(bool incremental)
    {
        var proven = new RunCheckpoint(
            Guid.NewGuid(), RunKind.Full, Direction.Src, 0, 0, _now.AddMinutes(1), _now.AddMinutes(2), RunStatus.Completed, 0, null, _now, 0,
            [new TableCheckpoint("users", TableRunStatus.Completed, TableCursor.Start, TableCursor.Start, 100, 0, 0, 0, 0, 0, null, 100)]);
        // Caught up just now: only the journal can hold the cut-over back.
        var running = new RunCheckpoint(
            Guid.NewGuid(), RunKind.Incremental, Direction.Src, 0, 500, _now.AddMinutes(-5), null, RunStatus.Running, 0, null, _now, 0,
            [new TableCheckpoint("users", TableRunStatus.Running, TableCursor.Start, TableCursor.Start, 10, 0, 0, 0, 0, 0, null, 0, _now)]);
        _checkpoints.LoadAsync(Arg.Any<CancellationToken>()).Returns(incremental ? [proven, running] : [proven]);
    }

    private void JournalLag(long? lagMs) => _journal.ReadAsync(Arg.Any<CancellationToken>()).Returns(new JournalStatus(
        true, [new JournalSideStatus("SRC", 3, lagMs, lagMs), new JournalSideStatus("DST", 0, null, null)], _now));

    [Fact]
    public async Task CheckAsync_IncrementalRunBehindOnTheJournal_IsNotReadyNamingTheJournalLag()
    {
        Runs(incremental: true);
        JournalLag(60_000);

        var check = await Gate().CheckAsync(new StoredPattern(WritePattern.SrcFirst, 2, _now.AddMinutes(-10), "me", false), WritePattern.DstFirst, _ct);

        Assert.False(check.Ready);
        var reason = Assert.Single(check.Reasons);
        Assert.Contains("write-journal entry written 60000 ms ago", reason, StringComparison.Ordinal);
        Assert.Contains("MaxLagMs (5000)", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, 100L)]
    [InlineData(true, null)]
    [InlineData(false, 60_000L)]
    public async Task CheckAsync_JournalVerifiedOrNoIncrementalRun_IsReady(bool incremental, long? lagMs)
    {
        Runs(incremental);
        JournalLag(lagMs);

        var check = await Gate().CheckAsync(new StoredPattern(WritePattern.SrcFirst, 2, _now.AddMinutes(-10), "me", false), WritePattern.DstFirst, _ct);

        Assert.True(check.Ready, string.Join("; ", check.Reasons));
    }
}
