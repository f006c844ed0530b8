namespace Migration.Application.Patterns.Cutover;

/// <summary>What the cut-over gate asks beyond a repaired full run (<c>Migration:Cutover</c>).</summary>
public sealed class CutoverOptions
{
    /// <summary>
    /// While an incremental run is running, each of its tables must have been caught up (both sides read to their end)
    /// within this many milliseconds. Default 5,000.
    /// </summary>
    public long MaxLagMs { get; set; } = 5_000;

    /// <summary>No new difference may have been found for this long before a change of base side. 0 turns it off. Default 10 s.</summary>
    public int QuietSeconds { get; set; } = 10;
}
