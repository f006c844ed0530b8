namespace Migration.Domain;

/// <summary>
/// One side of a migration. In an <see cref="Inconsistencies.InconsistentEvent"/> it names the base side,
/// the one that is the truth when the event was found; the repair copies from it to the other side.
/// </summary>
public enum Direction
{
    /// <summary>The source database (wire name <c>SRC</c>).</summary>
    Src,

    /// <summary>The target database (wire name <c>DST</c>).</summary>
    Dst,
}

public static class DirectionExtensions
{
    public static Direction Other(this Direction side) => side == Direction.Src ? Direction.Dst : Direction.Src;

    public static string ToWire(this Direction side) => side == Direction.Src ? "SRC" : "DST";

    public static bool TryParseWire(string? value, out Direction side)
    {
        switch (value)
        {
            case "SRC":
                side = Direction.Src;
                return true;
            case "DST":
                side = Direction.Dst;
                return true;
            default:
                side = default;
                return false;
        }
    }
}
