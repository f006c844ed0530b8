namespace Migration.Application.Abstractions;

/// <summary>One side's write journal (<c>migration_journal</c>, docs/journal.md).</summary>
/// <param name="Side">SRC or DST.</param>
/// <param name="Rows">Entries in the journal now.</param>
/// <param name="OldestAgeMs">Age of the oldest entry, in ms; null when the journal is empty.</param>
/// <param name="OldestUnverifiedAgeMs">
/// Age of the oldest entry of a configured table that the running incremental run has not verified yet, in ms; null
/// when no incremental run is running or it has verified every entry.
/// </param>
/// <param name="Triggers">Tables whose change-capture triggers are installed on this side (only the source has any).</param>
public sealed record JournalSideStatus(string Side, long Rows, long? OldestAgeMs, long? OldestUnverifiedAgeMs, IReadOnlyList<string>? Triggers = null);

/// <summary>Both sides' write journals.</summary>
/// <param name="Enabled">Whether the pool journals its writes and incremental runs read the journals (<c>Migration:Journal:Enabled</c>).</param>
/// <param name="MeasuredAt">When the journals were last read.</param>
public sealed record JournalStatus(bool Enabled, IReadOnlyList<JournalSideStatus> Sides, DateTimeOffset? MeasuredAt)
{
    /// <summary>The running incremental run's journal lag: the age of the oldest entry it has not verified on either side, in ms.</summary>
    public long? LagMs => Sides.Max(s => s.OldestUnverifiedAgeMs);
}

/// <summary>Measures the write journals of both sides.</summary>
public interface IWriteJournalMonitor
{
    /// <summary>Reads both journals now (and keeps the result for <see cref="Snapshot"/>).</summary>
    Task<JournalStatus> ReadAsync(CancellationToken cancellationToken);

    /// <summary>The last measurement, without reading; null before the first.</summary>
    JournalStatus? Snapshot();

    /// <summary>
    /// The last measurement while it is younger than the journal worker's interval (the worker measures every
    /// <c>Migration:Journal:TrimIntervalMs</c>), else <see cref="ReadAsync"/>: the status, polled by every open
    /// dashboard, must not count a large journal on the application's database at each call.
    /// </summary>
    Task<JournalStatus> RecentAsync(CancellationToken cancellationToken);

    /// <summary>Forgets the last measurement (triggers were installed or removed): the next <see cref="RecentAsync"/> reads anew.</summary>
    void Invalidate();
}
