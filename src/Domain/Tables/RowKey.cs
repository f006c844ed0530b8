using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Migration.Domain.Tables;

/// <summary>
/// A row's identity: one value per key column, ordered and compared as the server orders them. Integers compare by
/// value, binary by bytes, text by the collation's sort weight, which the reader takes from the server (so under a
/// case-insensitive collation <c>'abc'</c> and <c>'ABC'</c> are the same key, as they are to the server).
/// </summary>
public sealed class RowKey : IEquatable<RowKey>, IComparable<RowKey>
{
    private static readonly string[] _id = ["id"];
    private readonly string[] _columns;
    private readonly object?[] _values;
    private readonly object[] _order;

    /// <param name="columns">The key columns' names, in order.</param>
    /// <param name="values">The key's values as read (long, ulong, string or byte[]), in key column order.</param>
    /// <param name="order">What orders them: long, ulong or byte[] per column (the sort weight for text).</param>
    public RowKey(string[] columns, object?[] values, object[] order)
    {
        if (values.Length != order.Length || values.Length != columns.Length || values.Length == 0)
        {
            throw new ArgumentException("A key has one name, one value and one order value per key column.", nameof(order));
        }

        _columns = columns;
        _values = values;
        _order = order;
    }

    /// <summary>A single 64-bit integer key in a column named <c>id</c>.</summary>
    public static RowKey Of(long id) => new(_id, [id], [id]);

    /// <summary>A single 64-bit integer key in the named column.</summary>
    public static RowKey Of(string column, long id) => new([column], [id], [id]);

    public IReadOnlyList<string> Columns => _columns;

    /// <summary>
    /// A key from values given outside the server (an event, a checkpoint, a request). Text is ordered by its UTF-8
    /// bytes here, which is the server's order only under a binary collation: such a key is for finding its row, not
    /// for merging with keys read from a side.
    /// </summary>
    /// <summary>
    /// A key given by column (an event's <c>Key</c> object) as a key of <paramref name="table"/>: matched by column name
    /// when it names every key column (an outside producer may write them in any order), by position otherwise (the
    /// original producer's bare <c>ID</c>).
    /// </summary>
    public static RowKey FromNamed(TableSpec table, RowKey given)
    {
        var positions = table.Key
            .Select(k => Array.FindIndex(given._columns, c => string.Equals(c, k.Name, StringComparison.OrdinalIgnoreCase)))
            .ToArray();
        return positions.All(i => i >= 0) && given._columns.Length == table.Key.Count
            ? FromValues(table, positions.Select(i => given._values[i]).ToArray())
            : FromValues(table, given._values);
    }

    public static RowKey FromValues(TableSpec table, IReadOnlyList<object?> values)
    {
        if (values.Count != table.Key.Count)
        {
            throw new FormatException($"A key of {table.Name} has {table.Key.Count} value(s) ({string.Join(", ", table.Key.Select(k => k.Name))}), not {values.Count}.");
        }

        var typed = new object?[values.Count];
        var order = new object[values.Count];
        for (var i = 0; i < values.Count; i++)
        {
            var column = table.Key[i];
            (typed[i], order[i]) = (column.Kind, values[i]) switch
            {
                (_, null) => throw new FormatException($"Key column {column.Name} of {table.Name} cannot be null."),
                (ColumnKind.Integer, var v) => Both(Convert.ToInt64(v, CultureInfo.InvariantCulture)),
                (ColumnKind.UnsignedInteger, var v) => Both(Convert.ToUInt64(v, CultureInfo.InvariantCulture)),
                (ColumnKind.Binary, string hex) when hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase) => Both(Convert.FromHexString(hex.AsSpan(2))),
                (ColumnKind.Binary, byte[] bytes) => Both(bytes),
                (ColumnKind.Text, var v) => ((object?)Convert.ToString(v, CultureInfo.InvariantCulture), (object)Encoding.UTF8.GetBytes(Convert.ToString(v, CultureInfo.InvariantCulture)!)),
                var (kind, v) => throw new FormatException($"Key column {column.Name} of {table.Name} ({kind}) cannot take {v}."),
            };
        }

        return new RowKey(table.Key.Select(k => k.Name).ToArray(), typed, order);

        static (object?, object) Both(object value) => (value, value);
    }

    /// <summary>Reads a key written by <see cref="ToText"/> or <see cref="WriteObject(Utf8JsonWriter)"/>; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static RowKey Parse(TableSpec table, JsonElement json)
    {
        object? Value(JsonElement e, ColumnSpec column) => e.ValueKind switch
        {
            JsonValueKind.Number when column.Kind == ColumnKind.UnsignedInteger && e.TryGetUInt64(out var u) => u,
            JsonValueKind.Number when e.TryGetInt64(out var l) => l,
            JsonValueKind.String => e.GetString(),
            _ => throw new FormatException($"Key column {column.Name} of {table.Name}: {e.GetRawText()} is not a key value."),
        };

        if (table.Key.Count == 1 && json.ValueKind != JsonValueKind.Object)
        {
            return FromValues(table, [Value(json, table.Key[0])]);
        }

        if (json.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"A key of {table.Name} is an object with {string.Join(", ", table.Key.Select(k => k.Name))}.");
        }

        return FromValues(table, table.Key.Select(k => json.TryGetProperty(k.Name, out var v)
            ? Value(v, k)
            : throw new FormatException($"The key of {table.Name} lacks {k.Name}.")).ToArray());
    }

    /// <summary>Reads a key written by <see cref="ToText"/>.</summary>
    public static RowKey Parse(TableSpec table, string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return Parse(table, document.RootElement);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"'{text}' is not a key of {table.Name}: {ex.Message}", ex);
        }
    }

    public IReadOnlyList<object?> Values => _values;

    /// <summary>The key as the seed's <c>ID</c>: its value when it is a single signed integer, else null.</summary>
    public long? AsInt64 => _values is [long id] ? id : null;

    public int CompareTo(RowKey? other)
    {
        if (other is null)
        {
            return 1;
        }

        for (var i = 0; i < _order.Length; i++)
        {
            var c = (_order[i], other._order[i]) switch
            {
                (long a, long b) => a.CompareTo(b),
                (ulong a, ulong b) => a.CompareTo(b),
                (byte[] a, byte[] b) => a.AsSpan().SequenceCompareTo(b),
                var (a, b) => throw new InvalidOperationException($"Key values of different kinds cannot be ordered: {a.GetType().Name} and {b.GetType().Name}."),
            };
            if (c != 0)
            {
                return c;
            }
        }

        return 0;
    }

    public bool Equals(RowKey? other) => other is not null && CompareTo(other) == 0;

    public override bool Equals(object? obj) => obj is RowKey other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var o in _order)
        {
            switch (o)
            {
                case byte[] bytes:
                    hash.AddBytes(bytes);
                    break;
                default:
                    hash.Add(o);
                    break;
            }
        }

        return hash.ToHashCode();
    }

    public static bool operator <(RowKey left, RowKey right) => left.CompareTo(right) < 0;

    public static bool operator >(RowKey left, RowKey right) => left.CompareTo(right) > 0;

    public static bool operator <=(RowKey left, RowKey right) => left.CompareTo(right) <= 0;

    public static bool operator >=(RowKey left, RowKey right) => left.CompareTo(right) >= 0;

    public static bool operator ==(RowKey? left, RowKey? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(RowKey? left, RowKey? right) => !(left == right);

    /// <summary>
    /// The key as text, the same on every instance: the bare JSON value for a single-column key (<c>42</c>,
    /// <c>"ab-12"</c>), a JSON object by column otherwise. Binary values are written as <c>"0x…"</c> hex.
    /// </summary>
    public string ToText() => _values.Length == 1
        ? WriteJson(w => WriteValue(w, _values[0]))
        : WriteJson(WriteObject);

    /// <summary>The key as a JSON object by column, as events carry it.</summary>
    public void WriteObject(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        for (var i = 0; i < _values.Length; i++)
        {
            writer.WritePropertyName(_columns[i]);
            WriteValue(writer, _values[i]);
        }

        writer.WriteEndObject();
    }

    public override string ToString() => string.Join(", ", _values.Select(v => v switch
    {
        byte[] bytes => "0x" + Convert.ToHexString(bytes),
        _ => Convert.ToString(v, CultureInfo.InvariantCulture),
    }));

    private static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null: writer.WriteNullValue(); break;
            case long l: writer.WriteNumberValue(l); break;
            case ulong u: writer.WriteNumberValue(u); break;
            case string s: writer.WriteStringValue(s); break;
            case byte[] b: writer.WriteStringValue("0x" + Convert.ToHexString(b)); break;
            default: writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
        }
    }

    private static string WriteJson(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream(32);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
