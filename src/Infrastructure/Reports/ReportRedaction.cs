using System.Security.Cryptography;
using System.Text;

namespace Migration.Infrastructure.Reports;

/// <summary>
/// <c>Migration:Report:RedactColumns</c>: columns whose values a report never holds. Their values are replaced, where the
/// difference is made (so in the stored differences, the lists, the CSV and the <c>validate</c> report alike), by
/// <c>sha256:</c> and the first 16 hex digits of the SHA-256 of the value's whole text: equal values still show as equal.
/// </summary>
internal static class ReportRedaction
{
    public const string Prefix = "sha256:";

    /// <summary>The redacted columns of <paramref name="table"/> among the entries (<c>table.column</c> or <c>column</c>).</summary>
    public static IReadOnlySet<string> ColumnsOf(string table, IEnumerable<string> entries)
    {
        var columns = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in entries)
        {
            var dot = entry.IndexOf('.', StringComparison.Ordinal);
            if (dot < 0)
            {
                columns.Add(entry.Trim());
            }
            else if (string.Equals(entry[..dot].Trim(), table, StringComparison.OrdinalIgnoreCase))
            {
                columns.Add(entry[(dot + 1)..].Trim());
            }
        }

        return columns;
    }

    public static string Hash(string text) =>
        Prefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
}
