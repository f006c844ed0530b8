namespace Migration.Domain.Patterns;

/// <summary>
/// Where the double-write pool reads from and writes to. A migration walks the values in declaration order.
/// </summary>
public enum WritePattern
{
    /// <summary>Read and write the source only.</summary>
    SrcOnly,

    /// <summary>Read the source; write the source, then the target. The source is the truth.</summary>
    SrcFirst,

    /// <summary>Read the target; write the target, then the source. The target is the truth.</summary>
    DstFirst,

    /// <summary>Read and write the target only.</summary>
    DstOnly,
}

public static class WritePatternExtensions
{
    private static readonly string[] _wireNames = ["src_only", "src_first", "dst_first", "dst_only"];

    /// <summary>The side that is the truth: the one reads come from and writes go to first.</summary>
    public static Direction Primary(this WritePattern pattern) =>
        pattern is WritePattern.SrcOnly or WritePattern.SrcFirst ? Direction.Src : Direction.Dst;

    /// <summary>The side that receives the copy of each write, or <c>null</c> when only one side is written.</summary>
    public static Direction? Secondary(this WritePattern pattern) => pattern switch
    {
        WritePattern.SrcFirst => Direction.Dst,
        WritePattern.DstFirst => Direction.Src,
        _ => null,
    };

    public static string ToWire(this WritePattern pattern) => _wireNames[(int)pattern];

    public static bool TryParseWire(string? value, out WritePattern pattern)
    {
        var index = Array.IndexOf(_wireNames, value);
        pattern = index < 0 ? default : (WritePattern)index;
        return index >= 0;
    }
}
