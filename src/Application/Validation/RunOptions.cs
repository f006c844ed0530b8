namespace Migration.Application.Validation;

/// <summary>Settings every validation run gets unless its request says otherwise.</summary>
public sealed class RunOptions
{
    /// <summary>How often a running validation saves its checkpoint. Default 2 s: a crash loses at most this much progress.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Rows per second a run may check when its request sets no limit; 0 (default) is unlimited.</summary>
    public long DefaultMaxRowsPerSecond { get; set; }
}
