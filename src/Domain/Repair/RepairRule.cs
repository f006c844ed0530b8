namespace Migration.Domain.Repair;

/// <summary>Which version of a row the repair keeps when the two sides differ (<c>Migration:Repair:Policy</c>).</summary>
public enum RepairPolicy
{
    /// <summary>
    /// The run's base side wins once a difference is confirmed: that is what validating with a base side means. Only a
    /// row written on the other side after the confirmation is left alone (and stored as a conflict). The default.
    /// </summary>
    BaseWins,

    /// <summary>
    /// The newer version (by the version column) wins; a base row older than the other side's is left alone and
    /// stored as a conflict. Opt-in, for migrations where both sides take writes that must not be overwritten.
    /// </summary>
    NewestWins,
}

/// <summary>What the repair does to the other side's row.</summary>
public enum RepairAction
{
    /// <summary>Both sides agree (or the row is gone from both): nothing to do.</summary>
    None,

    /// <summary>Write the base row to the other side.</summary>
    Copy,

    /// <summary>Delete the row from the other side: the base has none.</summary>
    Delete,

    /// <summary>Leave the other side alone: the policy refuses to touch it, and the row is stored as a conflict.</summary>
    Conflict,
}

/// <summary>The decision for one row, with the reason when it is a conflict.</summary>
public sealed record RepairDecision(RepairAction Action, string? Reason = null)
{
    public static readonly RepairDecision Nothing = new(RepairAction.None);
    public static readonly RepairDecision Copy = new(RepairAction.Copy);
    public static readonly RepairDecision Delete = new(RepairAction.Delete);
}

/// <summary>
/// The repair's rule, in one place for the in-process and the Kafka repair. It compares the row's version (the
/// <c>utime</c>, ms since the epoch) on each side with the time the difference was confirmed.
/// <list type="bullet">
/// <item>A row the other side received after the difference was confirmed is newer information than the event: it is
/// never overwritten nor deleted on the strength of that event (the guard applies to deletes as to updates).</item>
/// <item>Otherwise the base wins (<see cref="RepairPolicy.BaseWins"/>), or the newer version does
/// (<see cref="RepairPolicy.NewestWins"/>).</item>
/// </list>
/// </summary>
public static class RepairRule
{
    /// <param name="baseVersion">The base row's version, or null when the base has no such row.</param>
    /// <param name="otherVersion">The other side's version, or null when it has no such row.</param>
    /// <param name="equal">Whether both rows exist with equal values.</param>
    /// <param name="confirmedAtMs">When the difference was confirmed, ms since the epoch.</param>
    public static RepairDecision Decide(RepairPolicy policy, long? baseVersion, long? otherVersion, bool equal, long confirmedAtMs)
    {
        if (baseVersion is null && otherVersion is null || equal)
        {
            return RepairDecision.Nothing;
        }

        if (otherVersion is { } other && other > confirmedAtMs && (baseVersion is not { } b || other > b))
        {
            return new RepairDecision(RepairAction.Conflict,
                $"the other side's row was written after the difference was confirmed (version {other} > {confirmedAtMs})");
        }

        if (baseVersion is null)
        {
            return RepairDecision.Delete;
        }

        if (policy == RepairPolicy.NewestWins && otherVersion is { } newer && newer > baseVersion)
        {
            return new RepairDecision(RepairAction.Conflict,
                $"newest wins: the other side's version {newer} is newer than the base's {baseVersion}");
        }

        return RepairDecision.Copy;
    }
}
