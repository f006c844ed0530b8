using Migration.Domain;

namespace Migration.Infrastructure.State;

/// <summary>A row of <c>migration_conflicts</c>: see <see cref="Domain.Repair.Conflict"/>. Times are ms since the epoch.</summary>
internal sealed class ConflictRecord
{
    public long Id { get; set; }

    public string Table { get; set; } = "";

    public string Key { get; set; } = "";

    public Direction BaseSide { get; set; }

    public long? BaseVersion { get; set; }

    public long? OtherVersion { get; set; }

    public string Reason { get; set; } = "";

    public Guid EventId { get; set; }

    public long DetectedAtMs { get; set; }

    public long? ResolvedAtMs { get; set; }

    public string? Resolution { get; set; }
}
