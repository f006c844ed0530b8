namespace Migration.Infrastructure.State;

/// <summary>
/// How far an incremental run has verified one side's write journal for one table (<c>run_journal_cursors</c>): every
/// entry of the table up to <see cref="Seq"/> has been re-checked and, if it differed, published. A table of its own, so
/// control databases made before it get it at start (new tables are added then; new columns are not).
/// </summary>
internal sealed class JournalCursorRow
{
    public Guid RunId { get; set; }

    public string Table { get; set; } = "";

    /// <summary>SRC or DST: whose journal.</summary>
    public string Side { get; set; } = "";

    public long Seq { get; set; }

    public long SavedAtMs { get; set; }
}
