namespace Migration.Application.Common;

/// <summary>What an amount sent as JSON must satisfy besides its column's precision and scale.</summary>
internal static class DecimalRules
{
    /// <summary>More decimal places than any amount of the API is written with, even with trailing zeros.</summary>
    public const int MaxWrittenScale = 20;

    /// <summary>
    /// False for a value the JSON reader had to round: a number written with more digits than a decimal holds arrives
    /// rounded to 28 decimal places, so <c>1e-30</c> would be stored as 0 and
    /// <c>5.00000000000000000000000000001</c> as 5, both passing a scale check that ignores trailing zeros.
    /// </summary>
    public static bool NotRounded(decimal? value) => value is null || value.Value.Scale <= MaxWrittenScale;
}
