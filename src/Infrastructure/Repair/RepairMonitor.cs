using Migration.Application.Abstractions;

namespace Migration.Infrastructure.Repair;

internal sealed class RepairMonitor : IRepairMonitor
{
    private long _published;
    private long _handled;
    private long _upserted;
    private long _deleted;
    private long _unchanged;
    private long _skipped;
    private long _failed;
    private long _gaveUp;

    public void Published() => Interlocked.Increment(ref _published);

    public void AttemptFailed() => Interlocked.Increment(ref _failed);

    public void Handled(RepairOutcome? outcome)
    {
        switch (outcome)
        {
            case RepairOutcome.Upserted: Interlocked.Increment(ref _upserted); break;
            case RepairOutcome.Deleted: Interlocked.Increment(ref _deleted); break;
            case RepairOutcome.Unchanged: Interlocked.Increment(ref _unchanged); break;
            case RepairOutcome.Skipped: Interlocked.Increment(ref _skipped); break;
            default: Interlocked.Increment(ref _gaveUp); break;
        }

        Interlocked.Increment(ref _handled);
    }

    public RepairCounters Snapshot() => new(
        Interlocked.Read(ref _upserted),
        Interlocked.Read(ref _deleted),
        Interlocked.Read(ref _unchanged),
        Interlocked.Read(ref _skipped),
        Interlocked.Read(ref _failed),
        Interlocked.Read(ref _gaveUp),
        Math.Max(0, Interlocked.Read(ref _published) - Interlocked.Read(ref _handled)));
}
