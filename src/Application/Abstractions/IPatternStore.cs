using Migration.Domain.Patterns;

namespace Migration.Application.Abstractions;

/// <summary>
/// The double-write pattern, stored durably and shared by every instance of the service. Each instance applies a
/// cached copy that a background refresher keeps up to date.
/// </summary>
public interface IPatternStore
{
    /// <summary>The pattern this instance applies now. Cheap: served from memory, called on every write.</summary>
    ValueTask<WritePattern> GetAsync(CancellationToken cancellationToken);

    /// <summary>The stored pattern, read from the store (not the cache).</summary>
    Task<StoredPattern> ReadAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Stores <paramref name="pattern"/> if the stored version is still <paramref name="expectedVersion"/>, and applies
    /// it on this instance at once. Returns null, changing nothing, when another switch got there first.
    /// </summary>
    /// <param name="actor">Who asks for the switch; stored with a forced one.</param>
    Task<StoredPattern?> TrySetAsync(WritePattern pattern, long expectedVersion, bool forced, string? actor, CancellationToken cancellationToken);
}

/// <summary>The stored pattern and who set it.</summary>
/// <param name="Version">Increases by one on every switch; a switch applies only from the version it was checked against.</param>
/// <param name="ChangedBy">The instance that made the last switch; null for the initial pattern from configuration.</param>
/// <param name="Forced">Whether the last switch was forced with <c>?force=true</c>.</param>
/// <param name="ForcedBy">Who forced it (the API key's name or the token's subject); null unless forced.</param>
public sealed record StoredPattern(WritePattern Pattern, long Version, DateTimeOffset ChangedAt, string? ChangedBy, bool Forced, string? ForcedBy = null);
