namespace Migration.Domain.Tables;

/// <summary>
/// How one column is compared when exact equality is not what the migration needs (<c>Migration:Tables:…:Compare</c>).
/// The same rule applies in the server-side checksum and in the row comparison.
/// </summary>
/// <param name="Tolerance">Approximate numbers: values at most this far apart are equal.</param>
/// <param name="Precision">Temporal values: compared to this many fractional digits of a second (0: whole seconds).</param>
/// <param name="Json">Compared as canonical JSON (keys sorted, no insignificant white space).</param>
/// <param name="TrimTrailing">Trailing spaces are ignored.</param>
public sealed record CompareRule(decimal? Tolerance = null, int? Precision = null, bool Json = false, bool TrimTrailing = false)
{
    public static readonly CompareRule Exact = new();

    public bool IsExact => this == Exact;
}
