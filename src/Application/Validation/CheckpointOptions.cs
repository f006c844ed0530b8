namespace Migration.Application.Validation;

/// <summary>How often a running validation saves its checkpoint.</summary>
public sealed class CheckpointOptions
{
    /// <summary>Default 2 s. A crash loses at most this much progress (the rows are checked again on resume).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(2);
}
