namespace Migration.Domain.Inconsistencies;

/// <summary>What became of a stored difference.</summary>
public enum DifferenceOutcome
{
    /// <summary>Not repaired yet: waiting for the repair, or found by a report-only run (wire name <c>pending</c>).</summary>
    Pending,

    /// <summary>The repair made the other side equal to the base (wire name <c>repaired</c>).</summary>
    Repaired,

    /// <summary>The repair policy refused to touch the other side's row; a conflict is stored (wire name <c>conflict</c>).</summary>
    Conflict,

    /// <summary>The repair gave up on the event; it is a dead letter (wire name <c>dead-letter</c>).</summary>
    DeadLetter,

    /// <summary>When the repair looked again, both sides were already equal: the difference resolved itself (wire name <c>gone</c>).</summary>
    Gone,
}

public static class DifferenceOutcomeExtensions
{
    private static readonly string[] _wireNames = ["pending", "repaired", "conflict", "dead-letter", "gone"];

    /// <summary>Every wire name, in declaration order.</summary>
    public static IReadOnlyList<string> WireNames => _wireNames;

    public static string ToWire(this DifferenceOutcome outcome) => _wireNames[(int)outcome];

    public static bool TryParseWire(string? value, out DifferenceOutcome outcome)
    {
        var index = Array.IndexOf(_wireNames, value);
        outcome = index < 0 ? default : (DifferenceOutcome)index;
        return index >= 0;
    }
}
