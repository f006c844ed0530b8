namespace Migration.Infrastructure.Options;

/// <summary>
/// The write journal (<c>Migration:Journal</c>, docs/journal.md): a table <c>migration_journal</c> in each side's
/// database, to which the double-write pool appends the key of every row it writes, in the primary write's own
/// transaction. Incremental runs read it, so they see deletes and writes that leave the version column as it was, and
/// validate tables that have no version column at all.
/// </summary>
public sealed class JournalOptions
{
    /// <summary>Whether the pool journals its writes and incremental runs read the journals. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// While no incremental run is running, entries older than this are deleted. Default 60 minutes. A run resumed after
    /// a longer pause may find entries gone; its version-column walk still covers the tables that have one.
    /// </summary>
    public int RetentionMinutes { get; set; } = 60;

    /// <summary>
    /// While an incremental run is running, an entry it has verified is deleted once it is this old, too. Default 60 s.
    /// </summary>
    public int TrimGraceSeconds { get; set; } = 60;

    /// <summary>Entries deleted per statement when the journal is trimmed. Default 5,000.</summary>
    public int TrimBatch { get; set; } = 5_000;

    /// <summary>How often each side's journal is trimmed and measured for the status and the metrics. Default 5,000 ms.</summary>
    public int TrimIntervalMs { get; set; } = 5_000;
}

/// <summary>How writes outside the double-write pool reach the write journal.</summary>
public enum ChangeCaptureMode
{
    /// <summary>They do not: only the pool's writes are journalled.</summary>
    None,

    /// <summary>Triggers on the source's configured tables journal every write, the pool's included.</summary>
    Triggers,
}
