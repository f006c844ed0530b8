namespace Migration.Application.Validation;

/// <summary>Settings every validation run gets unless its request says otherwise.</summary>
public sealed class RunOptions
{
    /// <summary>How often a running validation saves its checkpoint. Default 2 s: a crash loses at most this much progress.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Rows per second a run may check when its request sets no limit; 0 (default) is unlimited.</summary>
    public long DefaultMaxRowsPerSecond { get; set; }

    /// <summary>Whether a run hands what it finds to the repair when its request does not say (<c>Migration:Repair:Enabled</c>). Default true.</summary>
    public bool DefaultRepair { get; set; } = true;

    /// <summary>
    /// How often a running validation logs one progress line per running table (<c>Migration:Progress:IntervalSeconds</c>).
    /// Default 10 s; zero logs none (the summary line at the end of a run is always logged).
    /// </summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(10);
}
