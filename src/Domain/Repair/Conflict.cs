namespace Migration.Domain.Repair;

/// <summary>
/// A row the repair policy refused to touch: it stays different until a later confirmation lets the policy decide, or
/// an operator does. Stored, counted and listed; never a silent skip.
/// </summary>
/// <param name="Id">Assigned by the store; 0 before it is stored.</param>
/// <param name="Key">The row's key as text (the primary key's value).</param>
/// <param name="BaseSide">The side the event named as the truth.</param>
/// <param name="BaseVersion">The base row's version when it was refused; null when the base has no such row.</param>
/// <param name="OtherVersion">The other side's version; null when it has no such row.</param>
/// <param name="EventId">The event whose repair was refused.</param>
/// <param name="DetectedAt">When the repair refused it.</param>
/// <param name="ResolvedAt">When it was closed; null while open.</param>
/// <param name="Resolution">How it was closed: repaired later, or superseded by a full run that started after it.</param>
public sealed record Conflict(
    long Id,
    string Table,
    string Key,
    Direction BaseSide,
    long? BaseVersion,
    long? OtherVersion,
    string Reason,
    Guid EventId,
    DateTimeOffset DetectedAt,
    DateTimeOffset? ResolvedAt = null,
    string? Resolution = null)
{
    public bool IsOpen => ResolvedAt is null;
}
