namespace Migration.Infrastructure.Options;

/// <summary>Which tables an incremental run sweeps (<c>Migration:Validation:Sweep:Mode</c>).</summary>
public enum SweepMode
{
    /// <summary>
    /// Tables without a version column, and every table while the write journal is off (<c>Migration:Journal:Enabled</c>
    /// false or absent): the tables whose deletes and version-less writes nothing else would see.
    /// </summary>
    Auto,

    /// <summary>Every table.</summary>
    Always,

    /// <summary>No table: a table without a version column is left to full runs.</summary>
    Off,
}

/// <summary>
/// The rolling sweep of incremental runs (<c>Migration:Validation:Sweep</c>): each swept table's whole key range is
/// compared by chunk checksums (rows where the server computes none), at a low rate, starting over at the end, as its
/// own task beside the version walk. Rows that differ are re-checked and repaired like any other difference.
/// </summary>
public sealed class SweepOptions
{
    /// <summary><c>Auto</c> (default), <c>Always</c> or <c>Off</c>: see <see cref="SweepMode"/>.</summary>
    public SweepMode Mode { get; set; } = SweepMode.Auto;

    /// <summary>
    /// Rows per second the sweep reads on each swept table (on each side), when the run's request sets none
    /// (<c>sweepMaxRowsPerSecond</c>); a whole pass takes about the table's rows divided by it. 0 turns the sweep off.
    /// Default 20,000.
    /// </summary>
    public long MaxRowsPerSecond { get; set; } = 20_000;
}
