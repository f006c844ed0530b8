using Migration.Domain.Inconsistencies;
using Migration.Domain.Runs;
using Migration.Domain.Tables;

namespace Migration.Domain.UnitTests.Runs;

public sealed class ValidationRunTests
{
    private static readonly DateTimeOffset _start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static ValidationRun NewRun(long utime = 100, params string[] tables)
    {
        var run = new ValidationRun(Guid.NewGuid(), RunKind.Incremental, Direction.Src, utime, 500, _start);
        run.Plan(tables.Length == 0 ? ["users"] : tables);
        return run;
    }

    [Fact]
    public void New_StartsRunningWithEveryTableAtTheStart()
    {
        var run = NewRun(100, "users", "orders");
        Assert.Equal(RunStatus.Running, run.Status);
        Assert.Equal(["users", "orders"], run.Tables.Select(t => t.Table));
        Assert.All(run.Tables, t => Assert.True(t.BaseCursor.IsStart));
        Assert.Equal(0, run.RowsChecked);
        Assert.Equal("2 tables", run.Table);
    }

    [Fact]
    public void AdvanceBase_MovesTheTablesCursorAndTheRunCountsEveryTable()
    {
        var run = NewRun(100, "users", "orders");
        run.Tables[0].AdvanceBase(new TableCursor("150", "7", 150), 10);
        run.Tables[1].AdvanceBase(new TableCursor("150", "9", 150), 5);
        Assert.Equal(new TableCursor("150", "9", 150), run.Find("orders")!.BaseCursor);
        Assert.Equal(15, run.RowsChecked);
    }

    [Fact]
    public void RecordInconsistencies_CountsByTypeAndPublished_AcrossTables()
    {
        var run = NewRun(100, "users", "orders");
        run.Tables[0].RecordInconsistencies([InconsistencyType.Neq, InconsistencyType.Neq]);
        run.Tables[1].RecordInconsistencies([InconsistencyType.BaseMissing]);
        Assert.Equal(2, run.InconsistenciesOf(InconsistencyType.Neq));
        Assert.Equal(1, run.InconsistenciesOf(InconsistencyType.BaseMissing));
        Assert.Equal(0, run.InconsistenciesOf(InconsistencyType.TargetMissing));
        Assert.Equal(3, run.EventsPublished);
    }

    [Fact]
    public void Stop_EndsOnceAndFreezesProgress()
    {
        var run = NewRun();
        run.Stop(_start.AddSeconds(5));
        run.Complete(_start.AddSeconds(9));
        Assert.Equal(RunStatus.Stopped, run.Status);
        Assert.Equal(_start.AddSeconds(5), run.EndedAt);
        Assert.Throws<InvalidOperationException>(() => run.Tables[0].AdvanceBase(new TableCursor("200", "1"), 1));
        Assert.Throws<InvalidOperationException>(() => run.Tables[0].RecordInconsistencies([InconsistencyType.Neq]));
    }

    [Fact]
    public void Fail_KeepsTheReason_AndATableFailsAlone()
    {
        var run = NewRun(100, "users", "orders");
        run.Tables[1].Fail("no such table", _start.AddSeconds(1));
        Assert.Equal((RunStatus.Running, TableRunStatus.Failed, TableRunStatus.Pending), (run.Status, run.Tables[1].Status, run.Tables[0].Status));
        Assert.Equal("no such table", run.LastError);

        run.Fail("the control database is gone", _start.AddSeconds(2));
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal(1, run.Errors);
    }

    [Fact]
    public void RecordRecheck_CountsClearedRowsAndDrainsPending()
    {
        var table = NewRun().Tables[0];
        table.RecordSuspects(3);
        Assert.Equal(3, table.SuspectsPending);

        table.RecordRecheck(suspects: 2, rows: 2, confirmed: 1);

        Assert.Equal(1, table.SuspectsPending);
        Assert.Equal(1, table.SuspectsCleared);
        Assert.Throws<ArgumentOutOfRangeException>(() => table.RecordRecheck(1, 1, 2));
    }

    [Fact]
    public void Checkpoint_RoundTrip_ResumesEachTableFromItsSafeCursor()
    {
        var run = NewRun(100, "users", "orders");
        run.Tables[0].Begin(_start);
        run.Tables[0].AdvanceBase(new TableCursor("300", "30", 300), 30);
        run.Tables[0].MarkSafe(new TableCursor("200", "20", 200), TableCursor.Start);
        run.Tables[1].Complete(_start);

        var resumed = ValidationRun.FromCheckpoint(run.ToCheckpoint(_start) with { Status = RunStatus.Running }, running: true);

        Assert.Equal(new TableCursor("200", "20", 200), resumed.Tables[0].BaseCursor);
        Assert.Equal((TableRunStatus.Pending, TableRunStatus.Completed), (resumed.Tables[0].Status, resumed.Tables[1].Status));
        Assert.Equal(30, resumed.RowsChecked);
    }

    [Fact]
    public void New_NegativeUtime_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => NewRun(utime: -1));

    [Theory]
    [InlineData(InconsistencyType.TargetMissing, "target_missing")]
    [InlineData(InconsistencyType.Neq, "neq")]
    [InlineData(InconsistencyType.BaseMissing, "base_missing")]
    public void InconsistencyType_WireNames(InconsistencyType type, string wire)
    {
        Assert.Equal(wire, type.ToWire());
        Assert.True(InconsistencyTypeExtensions.TryParseWire(wire, out var parsed));
        Assert.Equal(type, parsed);
    }

    [Fact]
    public void InconsistentEvent_MessageKeyIsTableAndKeyText()
    {
        Assert.Equal("users:42", new InconsistentEvent(Guid.NewGuid(), "users", RowKey.Of(42), Direction.Src, InconsistencyType.Neq, _start, []).MessageKey);
        var composite = new RowKey(["order_id", "sku"], [7L, "a-1"], [7L, "a-1"u8.ToArray()]);
        Assert.Equal("lines:{\"order_id\":7,\"sku\":\"a-1\"}",
            new InconsistentEvent(Guid.NewGuid(), "lines", composite, Direction.Src, InconsistencyType.Neq, _start, []).MessageKey);
    }
}
