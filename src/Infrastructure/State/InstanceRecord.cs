using Migration.Domain.Patterns;

namespace Migration.Infrastructure.State;

/// <summary>One instance's heartbeat: what it applies and when it was last seen. Each instance writes only its own row.</summary>
internal sealed class InstanceRecord
{
    public string InstanceId { get; set; } = "";

    public string Host { get; set; } = "";

    /// <summary>ms since the epoch.</summary>
    public long StartedAtMs { get; set; }

    /// <summary>ms since the epoch, by the instance's own clock.</summary>
    public long LastSeenMs { get; set; }

    /// <summary>The instance's heartbeat interval, which decides how long it counts as live without a new heartbeat.</summary>
    public int RefreshMs { get; set; }

    public WritePattern Pattern { get; set; }

    public long PatternVersion { get; set; }

    /// <summary>When the instance reported <see cref="PatternVersion"/>: it applied it and no write of an older pattern was still running there (ms since the epoch).</summary>
    public long AppliedAtMs { get; set; }

    public long SecondaryFailures { get; set; }

    /// <summary>When rows last differed between the sides on that instance without an event to repair them (ms since the epoch); null if never.</summary>
    public long? LastUnreportedAtMs { get; set; }
}
