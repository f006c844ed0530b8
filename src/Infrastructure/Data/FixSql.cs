using System.Globalization;
using System.Text;
using Migration.Domain.Tables;
using Migration.Infrastructure.Options;

namespace Migration.Infrastructure.Data;

/// <summary>
/// Statements with their values written in, for a script a person applies with the engine's own client (the fix SQL of a
/// run): every value a literal the engine reads back exactly, whatever it holds — quotes, backslashes, NUL, line breaks,
/// emoji, bytes, NULL, decimals, fractional seconds. Text that needs no escape is written as it is, between quotes
/// (a quote doubled, which every SQL mode reads the same); other text as the hex of its UTF-8 bytes, which no SQL mode
/// or client can misread.
/// </summary>
internal abstract class FixSql
{
    public static readonly FixSql MySql = new MySqlFixSql();
    public static readonly FixSql Sqlite = new SqliteFixSql();

    public static FixSql For(DatabaseProvider provider) => provider == DatabaseProvider.MySql ? MySql : Sqlite;

    /// <summary>Session settings the script starts with (a line each), or none.</summary>
    public abstract IReadOnlyList<string> Preamble { get; }

    /// <summary>Inserts the row, or updates every compared column of the row with its key.</summary>
    /// <param name="values">One value per column of <see cref="TableSpec.AllColumns"/>, in that order.</param>
    public abstract string Upsert(TableSpec table, IReadOnlyList<object?> values);

    /// <summary>Deletes the row with this key.</summary>
    public string Delete(TableSpec table, IReadOnlyList<object?> key) =>
        $"DELETE FROM {SqlDialect.Quote(table.Name)} WHERE " +
        string.Join(" AND ", table.Key.Select((k, i) => $"{SqlDialect.Quote(k.Name)} = {Literal(key[i], k)}")) + ";";

    /// <summary>The value as a literal of the column's type.</summary>
    public string Literal(object? value, ColumnSpec column) => value switch
    {
        null or DBNull => "NULL",
        bool b => b ? "1" : "0",
        sbyte or byte or short or ushort or int or uint or long or ulong => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        decimal d => d.ToString(CultureInfo.InvariantCulture),
        float f => Number(f.ToString("R", CultureInfo.InvariantCulture)),
        double d => Number(d.ToString("R", CultureInfo.InvariantCulture)),
        byte[] bytes => $"X'{Convert.ToHexString(bytes)}'",
        string s => Text(s),
        DateTime d => Quoted(column.DataType.Equals("date", StringComparison.OrdinalIgnoreCase)
            ? d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
            : d.ToString("yyyy-MM-dd HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture)),
        DateTimeOffset d => Quoted(d.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture)),
        DateOnly d => Quoted(d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
        TimeOnly t => Quoted(t.ToString("HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture)),
        TimeSpan t => Quoted(Time(t)),
        Guid g => Quoted(g.ToString("D")),
        _ => Text(Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""),
    };

    /// <summary>Text between quotes when it needs no escape, otherwise as bytes the engine reads as text.</summary>
    protected abstract string Text(string value);

    protected static string Quoted(string plain) => $"'{plain.Replace("'", "''", StringComparison.Ordinal)}'";

    /// <summary>Printable text without backslashes (which MySQL reads as escapes unless NO_BACKSLASH_ESCAPES is set).</summary>
    protected static bool IsPlain(string value, bool backslashIsPlain)
    {
        foreach (var rune in value.EnumerateRunes())
        {
            if (Rune.IsControl(rune) || rune == Rune.ReplacementChar || (!backslashIsPlain && rune.Value == '\\'))
            {
                return false;
            }
        }

        // Lone surrogates enumerate as replacement characters above; so does a real U+FFFD, which hex keeps exact too.
        return true;
    }

    protected string Insert(TableSpec table, IReadOnlyList<object?> values) =>
        $"INSERT INTO {SqlDialect.Quote(table.Name)} ({string.Join(", ", table.AllColumns.Select(c => SqlDialect.Quote(c.Name)))}) " +
        $"VALUES ({string.Join(", ", table.AllColumns.Select((c, i) => Literal(values[i], c)))})";

    /// <summary>A TIME value: MySQL's range is -838:59:59 to 838:59:59, so hours are not cut at 24.</summary>
    private static string Time(TimeSpan t)
    {
        var sign = t < TimeSpan.Zero ? "-" : "";
        var abs = t.Duration();
        var fraction = abs.Ticks % TimeSpan.TicksPerSecond;
        var text = string.Create(CultureInfo.InvariantCulture, $"{sign}{(long)abs.TotalHours:00}:{abs.Minutes:00}:{abs.Seconds:00}");
        return fraction == 0 ? text : text + "." + (fraction / 10).ToString("000000", CultureInfo.InvariantCulture).TrimEnd('0');
    }

    /// <summary>A float's shortest round-trip text; the engines take <c>1E+20</c> as it is.</summary>
    private static string Number(string text) => text is "NaN" or "Infinity" or "-Infinity" ? "NULL" : text;

    private sealed class MySqlFixSql : FixSql
    {
        public override IReadOnlyList<string> Preamble { get; } = ["SET NAMES utf8mb4;"];

        public override string Upsert(TableSpec table, IReadOnlyList<object?> values)
        {
            var sets = table.Columns.Count == 0
                ? $"{SqlDialect.Quote(table.Key[0].Name)} = {SqlDialect.Quote(table.Key[0].Name)}"
                : string.Join(", ", table.Columns.Select(c => $"{SqlDialect.Quote(c.Name)} = VALUES({SqlDialect.Quote(c.Name)})"));
            return $"{Insert(table, values)} ON DUPLICATE KEY UPDATE {sets};";
        }

        // _utf8mb4 X'…' is text in utf8mb4, converted to the column's character set like any other text.
        protected override string Text(string value) =>
            IsPlain(value, backslashIsPlain: false) ? Quoted(value) : $"_utf8mb4 X'{Convert.ToHexString(Encoding.UTF8.GetBytes(value))}'";
    }

    private sealed class SqliteFixSql : FixSql
    {
        public override IReadOnlyList<string> Preamble { get; } = [];

        public override string Upsert(TableSpec table, IReadOnlyList<object?> values)
        {
            var sets = table.Columns.Select(c => $"{SqlDialect.Quote(c.Name)} = excluded.{SqlDialect.Quote(c.Name)}").ToArray();
            return $"{Insert(table, values)} ON CONFLICT ({KeySql.Columns(table)}) " +
                (sets.Length == 0 ? "DO NOTHING;" : $"DO UPDATE SET {string.Join(", ", sets)};");
        }

        // SQLite has no escapes in quotes; only a NUL cannot be written between them.
        protected override string Text(string value) =>
            IsPlain(value, backslashIsPlain: true) ? Quoted(value) : $"CAST(X'{Convert.ToHexString(Encoding.UTF8.GetBytes(value))}' AS TEXT)";
    }
}
