using System.Globalization;

namespace Migration.Infrastructure.Validation;

/// <summary>
/// Compares column values as read by ADO.NET, exactly: strings by ordinal (bytes, not a case-insensitive
/// collation), binary by content, numbers by value whatever their CLR type.
/// </summary>
internal static class ValueComparer
{
    public static List<string>? DifferingColumns(TableSchema schema, Row left, Row right)
    {
        List<string>? differing = null;
        for (var i = 0; i < schema.Columns.Count; i++)
        {
            if (!AreEqual(left.Values[i], right.Values[i]))
            {
                (differing ??= []).Add(schema.Columns[i]);
            }
        }

        return differing;
    }

    public static bool AreEqual(object? left, object? right)
    {
        if (left is null || right is null)
        {
            return left is null && right is null;
        }

        return (left, right) switch
        {
            (string a, string b) => string.Equals(a, b, StringComparison.Ordinal),
            (byte[] a, byte[] b) => a.AsSpan().SequenceEqual(b),
            _ when left.GetType() == right.GetType() => left.Equals(right),
            _ when IsNumber(left) && IsNumber(right) => NumbersEqual(left, right),
            _ => string.Equals(
                Convert.ToString(left, CultureInfo.InvariantCulture),
                Convert.ToString(right, CultureInfo.InvariantCulture),
                StringComparison.Ordinal),
        };
    }

    private static bool IsNumber(object value) => value is sbyte or byte or short or ushort or int or uint or long or ulong
        or float or double or decimal;

    private static bool NumbersEqual(object left, object right)
    {
        if (left is float or double || right is float or double)
        {
            return Convert.ToDouble(left, CultureInfo.InvariantCulture) == Convert.ToDouble(right, CultureInfo.InvariantCulture);
        }

        return Convert.ToDecimal(left, CultureInfo.InvariantCulture) == Convert.ToDecimal(right, CultureInfo.InvariantCulture);
    }
}
