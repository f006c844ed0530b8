namespace Migration.Application.Abstractions;

/// <summary>Counters of the double-write pool on this instance since it started.</summary>
/// <param name="Commits">Writes (single rows or units of work) committed on the primary side.</param>
/// <param name="Rows">Rows those writes touched.</param>
/// <param name="PrimaryFailures">Writes that failed on the primary side; nothing reached the secondary.</param>
/// <param name="SecondaryFailures">Writes whose copy to the secondary side failed.</param>
/// <param name="RowsReported">Inconsistency events published for rows of failed secondary writes.</param>
/// <param name="ReportFailures">Rows whose event could not be published either; validation finds them later.</param>
/// <param name="SecondaryNewer">Rows left alone on the secondary because it already held a newer <c>utime</c>.</param>
/// <param name="LastSecondaryError">The last secondary failure, with the row keys.</param>
public sealed record DoubleWriteCounters(
    long Commits,
    long Rows,
    long PrimaryFailures,
    long SecondaryFailures,
    long RowsReported,
    long ReportFailures,
    long SecondaryNewer,
    string? LastSecondaryError,
    DateTimeOffset? LastSecondaryErrorAt)
{
    /// <summary>Inserts whose copy found another, older row under the same key on the secondary: left alone, stored as conflicts.</summary>
    public long ForeignRows { get; init; }

    /// <summary>When rows last differed between the sides without a report (see <c>ReportFailures</c>); null if never.</summary>
    public DateTimeOffset? LastReportFailureAt { get; init; }
}

public interface IDoubleWriteMonitor
{
    DoubleWriteCounters Snapshot();
}
