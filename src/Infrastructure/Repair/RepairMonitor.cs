using Migration.Application.Abstractions;

namespace Migration.Infrastructure.Repair;

internal sealed class RepairMonitor : IRepairMonitor
{
    private long _published;
    private long _handled;
    private long _upserted;
    private long _deleted;
    private long _unchanged;
    private long _conflicts;
    private long _failed;
    private long _gaveUp;
    private long _backlog = -1;

    public void Published(int count) => Interlocked.Add(ref _published, count);

    /// <summary>With Kafka the backlog is the consumer's lag, which the consumer reports here.</summary>
    public void SetBacklog(long lag) => Interlocked.Exchange(ref _backlog, lag);

    public void AttemptFailed() => Interlocked.Increment(ref _failed);

    public void Handled(RepairOutcome outcome)
    {
        switch (outcome)
        {
            case RepairOutcome.Upserted: Interlocked.Increment(ref _upserted); break;
            case RepairOutcome.Deleted: Interlocked.Increment(ref _deleted); break;
            case RepairOutcome.Unchanged: Interlocked.Increment(ref _unchanged); break;
            default: Interlocked.Increment(ref _conflicts); break;
        }

        Interlocked.Increment(ref _handled);
    }

    /// <summary>An event the repair set aside is now stored as a dead letter: it is done, as given up.</summary>
    public void DeadLettered()
    {
        Interlocked.Increment(ref _gaveUp);
        Interlocked.Increment(ref _handled);
    }

    public RepairCounters Snapshot()
    {
        // Handled before published, and both before the outcomes (Handled counts the outcome first): the backlog is
        // never under-stated, and a snapshot with nothing pending counts the outcome of every event.
        var handled = Interlocked.Read(ref _handled);
        var published = Interlocked.Read(ref _published);
        return new(
            Interlocked.Read(ref _upserted),
            Interlocked.Read(ref _deleted),
            Interlocked.Read(ref _unchanged),
            Interlocked.Read(ref _conflicts),
            Interlocked.Read(ref _failed),
            Interlocked.Read(ref _gaveUp),
            Interlocked.Read(ref _backlog) is >= 0 and var lag ? lag : Math.Max(0, published - handled));
    }
}
