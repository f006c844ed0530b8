using Migration.Domain.Patterns;

namespace Migration.Infrastructure.State;

/// <summary>The stored double-write pattern: a single row with id <see cref="SingletonId"/>.</summary>
internal sealed class PatternRecord
{
    public const int SingletonId = 1;

    public int Id { get; set; } = SingletonId;

    public WritePattern Pattern { get; set; }

    /// <summary>Increases by one on every switch; the concurrency token that makes a switch compare-and-set.</summary>
    public long Version { get; set; }

    /// <summary>ms since the epoch.</summary>
    public long ChangedAtMs { get; set; }

    public string? ChangedBy { get; set; }

    public bool Forced { get; set; }

    /// <summary>Who forced the last switch (the API key's name or the token's subject); null unless forced.</summary>
    public string? ForcedBy { get; set; }
}
