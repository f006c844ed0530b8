using Migration.Domain.Tables;

namespace Migration.Infrastructure.Journal;

/// <summary>
/// The one text form of a row's key in <c>migration_journal.row_key</c>: <see cref="RowKey.ToText"/> — the bare JSON
/// value for a single-column key (<c>42</c>, <c>"ab-12"</c>), a JSON object by column otherwise
/// (<c>{"order_id":7,"line_no":1}</c>). It is read as JSON, so whitespace does not matter: SQL that writes an entry
/// (a trigger's <c>JSON_OBJECT</c>) produces the same key.
/// </summary>
internal static class JournalKey
{
    public static string Encode(RowKey key) => key.ToText();

    /// <summary>Reads an entry's key; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static RowKey Decode(TableSpec table, string text) => RowKey.Parse(table, text);
}
