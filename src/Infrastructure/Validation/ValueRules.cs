using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Migration.Domain.Inconsistencies;
using Migration.Domain.Tables;

namespace Migration.Infrastructure.Validation;

/// <summary>
/// Compares two rows' values column by column, each under its <see cref="CompareRule"/>: exactly by default (strings by
/// ordinal, not under a case-insensitive collation; binary by content; numbers by value whatever their CLR type), within
/// a tolerance, to a number of fractional seconds, as canonical JSON, or without trailing spaces. The server-side
/// checksum applies the same rules (<see cref="Data.MySqlDialect.RowChecksum(TableSpec, bool)"/>).
/// </summary>
internal static class ValueRules
{
    /// <summary>The compared columns whose values differ, or null when the rows are equal.</summary>
    public static List<string>? DifferingColumns(TableSpec table, SideRow left, SideRow right)
    {
        List<string>? differing = null;
        for (var i = 0; i < table.Columns.Count; i++)
        {
            var column = table.Columns[i];
            if (!AreEqual(left.Values[i], right.Values[i], table.RuleFor(column)))
            {
                (differing ??= []).Add(column.Name);
            }
        }

        return differing;
    }

    /// <summary>
    /// The differing columns with both values as text, long values cut to <paramref name="maxLength"/> characters with
    /// their length; the values of <paramref name="redacted"/> columns as a hash of their whole text (<see cref="Reports.ReportRedaction"/>).
    /// </summary>
    public static IReadOnlyList<ColumnDifference> Differences(
        TableSpec table, SideRow? baseRow, SideRow? otherRow, int maxLength = 256, IReadOnlySet<string>? redacted = null)
    {
        var differences = new List<ColumnDifference>();
        for (var i = 0; i < table.Columns.Count; i++)
        {
            var (b, o) = (baseRow?.Values[i], otherRow?.Values[i]);
            if (baseRow is null || otherRow is null || !AreEqual(b, o, table.RuleFor(table.Columns[i])))
            {
                var hide = redacted?.Contains(table.Columns[i].Name) == true;
                differences.Add(new ColumnDifference(table.Columns[i].Name, Display(b, maxLength, hide), Display(o, maxLength, hide)));
            }
        }

        return differences;
    }

    public static bool AreEqual(object? left, object? right, CompareRule rule)
    {
        if (left is null || right is null)
        {
            return left is null && right is null;
        }

        return rule switch
        {
            { Tolerance: { } t } when IsNumber(left) && IsNumber(right) => Math.Abs(ToDecimal(left) - ToDecimal(right)) <= t,
            { Precision: { } p } => AreEqual(Truncate(left, p), Truncate(right, p), CompareRule.Exact),
            { Json: true } => Canonical(left) == Canonical(right),
            { TrimTrailing: true } when left is string a && right is string b => string.Equals(a.TrimEnd(' '), b.TrimEnd(' '), StringComparison.Ordinal),
            _ => Exactly(left, right),
        };
    }

    private static bool Exactly(object left, object right) => (left, right) switch
    {
        (string a, string b) => string.Equals(a, b, StringComparison.Ordinal),
        (byte[] a, byte[] b) => a.AsSpan().SequenceEqual(b),
        _ when left.GetType() == right.GetType() => left.Equals(right),
        _ when IsNumber(left) && IsNumber(right) => NumbersEqual(left, right),
        _ => string.Equals(Text(left), Text(right), StringComparison.Ordinal),
    };

    private static bool IsNumber(object value) => value is sbyte or byte or short or ushort or int or uint or long or ulong
        or float or double or decimal;

    private static decimal ToDecimal(object value) => value is float or double
        ? (decimal)Convert.ToDouble(value, CultureInfo.InvariantCulture)
        : Convert.ToDecimal(value, CultureInfo.InvariantCulture);

    private static bool NumbersEqual(object left, object right) =>
        left is float or double || right is float or double
            ? Convert.ToDouble(left, CultureInfo.InvariantCulture) == Convert.ToDouble(right, CultureInfo.InvariantCulture)
            : Convert.ToDecimal(left, CultureInfo.InvariantCulture) == Convert.ToDecimal(right, CultureInfo.InvariantCulture);

    /// <summary>A date-time or time cut (not rounded) to <paramref name="digits"/> fractional digits of a second, as the server side cuts it.</summary>
    private static object Truncate(object value, int digits)
    {
        var ticks = (long)Math.Pow(10, 7 - digits);
        return value switch
        {
            DateTime d => new DateTime(d.Ticks - (d.Ticks % ticks), d.Kind),
            DateTimeOffset d => new DateTimeOffset(d.Ticks - (d.Ticks % ticks), d.Offset),
            TimeSpan t => new TimeSpan(t.Ticks - (t.Ticks % ticks)),
            // SQLite keeps date-times as text: "yyyy-MM-dd HH:mm:ss.fff…"
            string s when s.Length > 19 => s[..Math.Min(s.Length, digits == 0 ? 19 : 20 + digits)],
            _ => value,
        };
    }

    /// <summary>JSON with object keys sorted and no insignificant white space; text that is not JSON stays as it is.</summary>
    private static string Canonical(object value)
    {
        var text = value as string ?? Text(value);
        try
        {
            return Sorted(JsonNode.Parse(text))?.ToJsonString() ?? "null";
        }
        catch (JsonException)
        {
            return text;
        }
    }

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value?.DeepClone())))),
        JsonArray a => new JsonArray(a.Select(e => Sorted(e?.DeepClone())).ToArray()),
        _ => node?.DeepClone(),
    };

    private static string Text(object value) => value switch
    {
        byte[] bytes => "0x" + Convert.ToHexString(bytes),
        DateTime d => d.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    private static string? Display(object? value, int maxLength, bool redact)
    {
        if (value is null)
        {
            return null;
        }

        var text = Text(value);
        if (redact)
        {
            return Reports.ReportRedaction.Hash(text);
        }

        return text.Length <= maxLength ? text : $"{text[..maxLength]}… ({text.Length} characters)";
    }
}
