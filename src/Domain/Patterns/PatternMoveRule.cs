namespace Migration.Domain.Patterns;

/// <summary>
/// A pattern moves one step at a time along <c>src_only → src_first → dst_first → dst_only</c>, or one step back.
/// Anything else is a jump, allowed only when forced.
/// </summary>
public static class PatternMoveRule
{
    public static bool IsStep(WritePattern from, WritePattern to) => Math.Abs((int)to - (int)from) == 1;

    /// <summary>The patterns reachable from <paramref name="from"/> without forcing.</summary>
    public static IReadOnlyList<WritePattern> AllowedFrom(WritePattern from) =>
        Enum.GetValues<WritePattern>().Where(to => IsStep(from, to)).ToArray();

    /// <summary>Checks a move; staying on the same pattern is always allowed and changes nothing.</summary>
    public static PatternMoveCheck Check(WritePattern from, WritePattern to, bool force) =>
        from == to ? PatternMoveCheck.Unchanged
        : IsStep(from, to) ? PatternMoveCheck.Step
        : force ? PatternMoveCheck.ForcedJump
        : PatternMoveCheck.Refused;
}

public enum PatternMoveCheck
{
    Unchanged,
    Step,
    ForcedJump,
    Refused,
}
