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
    /// <param name="baseExists">Whether the base has the row.</param>
    /// <param name="baseVersion">The base row's version (ms since the epoch), or null without a version column.</param>
    /// <param name="otherExists">Whether the other side has the row.</param>
    /// <param name="otherVersion">The other side's version, or null.</param>
    /// <param name="equal">Whether both rows exist with equal values.</param>
    /// <param name="confirmedAtMs">When the difference was confirmed, ms since the epoch.</param>
    /// <remarks>A table without a version column has no versions to guard with: the base wins, under either policy.</remarks>
    public static RepairDecision Decide(
        RepairPolicy policy, bool baseExists, long? baseVersion, bool otherExists, long? otherVersion, bool equal, long confirmedAtMs)
    {
        if (!baseExists && !otherExists || equal)
        {
            return RepairDecision.Nothing;
        }

        if (otherExists && otherVersion is { } other && other > confirmedAtMs && (!baseExists || baseVersion is not { } b || other > b))
        {
            return new RepairDecision(RepairAction.Conflict,
                $"the other side's row was written after the difference was confirmed (version {other} > {confirmedAtMs})");
        }

        if (!baseExists)
        {
            return RepairDecision.Delete;
        }

        if (policy == RepairPolicy.NewestWins && otherVersion is { } newer && baseVersion is { } older && newer > older)
        {
            return new RepairDecision(RepairAction.Conflict,
                $"newest wins: the other side's version {newer} is newer than the base's {older}");
        }

        return RepairDecision.Copy;
    }
}
