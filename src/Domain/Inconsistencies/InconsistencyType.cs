namespace Migration.Domain.Inconsistencies;

public enum InconsistencyType
{
    /// <summary>The row is in the base but not in the other side (wire name <c>target_missing</c>).</summary>
    TargetMissing,

    /// <summary>The row is on both sides with different values (wire name <c>neq</c>).</summary>
    Neq,

    /// <summary>The row is in the other side but not in the base (wire name <c>base_missing</c>).</summary>
    BaseMissing,
}

public static class InconsistencyTypeExtensions
{
    private static readonly string[] _wireNames = ["target_missing", "neq", "base_missing"];

    public static string ToWire(this InconsistencyType type) => _wireNames[(int)type];

    public static bool TryParseWire(string? value, out InconsistencyType type)
    {
        var index = Array.IndexOf(_wireNames, value);
        type = index < 0 ? default : (InconsistencyType)index;
        return index >= 0;
    }
}
