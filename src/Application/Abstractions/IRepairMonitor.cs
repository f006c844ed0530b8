namespace Migration.Application.Abstractions;

/// <summary>Counters of the repair consumer since the process started.</summary>
/// <param name="Upserted">Rows copied from the base to the other side.</param>
/// <param name="Deleted">Rows deleted from the other side because the base has none.</param>
/// <param name="Unchanged">Events whose row was already equal on both sides when repaired.</param>
/// <param name="Conflicts">Rows the repair policy refused to touch; each is stored as a conflict (<c>GET /migrator/conflicts</c>).</param>
/// <param name="Failed">Repair attempts that threw; each is retried after a back-off.</param>
/// <param name="GaveUp">
/// Events stored as dead letters (listed by <c>GET /migrator/dead-letters</c>) because their last attempt failed or
/// they were malformed; with Kafka they are also on the dead-letter topic.
/// </param>
/// <param name="Pending">
/// The repair's backlog: on the in-process path, events published and not yet handled; with Kafka, this instance's
/// consumer lag (0 when it runs no consumer).
/// </param>
public sealed record RepairCounters(long Upserted, long Deleted, long Unchanged, long Conflicts, long Failed, long GaveUp, long Pending)
{
    /// <summary>Rows the repair changed.</summary>
    public long Repaired => Upserted + Deleted;
}

public interface IRepairMonitor
{
    RepairCounters Snapshot();
}
