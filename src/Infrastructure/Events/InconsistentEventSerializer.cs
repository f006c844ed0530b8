using System.Text.Json;
using Migration.Domain;
using Migration.Domain.Inconsistencies;
using Migration.Domain.Tables;

namespace Migration.Infrastructure.Events;

/// <summary>
/// The wire format: <c>{"ID":42,"Direction":"SRC","Type":"neq","Table":"users","Key":{"id":42},"EventId":"…","DetectedAt":"…","Columns":["email"]}</c>.
/// <c>ID</c>, <c>Direction</c> and <c>Type</c> keep the original implementation's names so its consumers keep working;
/// <c>ID</c> is written only for a key that is a single integer. <c>Key</c> is the key by column, for any key (binary
/// values as <c>"0x…"</c> hex). A message with <c>ID</c> but no <c>Key</c> (the original producer) is read as that key.
/// <c>"Decided": true</c>, only on an event an operator asked for with a winner, makes the repair copy the base side
/// whatever its policy prefers.
/// </summary>
internal static class InconsistentEventSerializer
{
    public static byte[] Serialize(InconsistentEvent e)
    {
        using var buffer = new MemoryStream(160);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (e.Key.AsInt64 is { } id)
            {
                json.WriteNumber("ID", id);
            }

            json.WriteString("Direction", e.Direction.ToWire());
            json.WriteString("Type", e.Type.ToWire());
            json.WriteString("Table", e.Table);
            json.WritePropertyName("Key");
            e.Key.WriteObject(json);
            json.WriteString("EventId", e.EventId);
            json.WriteString("DetectedAt", e.DetectedAt);
            json.WriteStartArray("Columns");
            foreach (var column in e.Columns)
            {
                json.WriteStringValue(column);
            }

            json.WriteEndArray();
            if (e.Decided)
            {
                json.WriteBoolean("Decided", true);
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Reads an event; throws <see cref="MalformedEventException"/> naming what is wrong.</summary>
    public static InconsistentEvent Deserialize(ReadOnlySpan<byte> value)
    {
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(value);
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException ex)
        {
            throw new MalformedEventException($"not JSON: {ex.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new MalformedEventException("not a JSON object");
            }

            var key = ReadKey(root);

            if (!root.TryGetProperty("Direction", out var direction) || !DirectionExtensions.TryParseWire(direction.ValueKind == JsonValueKind.String ? direction.GetString() : null, out var side))
            {
                throw new MalformedEventException("'Direction' is missing or not SRC/DST");
            }

            if (!root.TryGetProperty("Type", out var type) || !InconsistencyTypeExtensions.TryParseWire(type.ValueKind == JsonValueKind.String ? type.GetString() : null, out var kind))
            {
                throw new MalformedEventException("'Type' is missing or not target_missing/neq/base_missing");
            }

            if (!root.TryGetProperty("Table", out var table) || table.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(table.GetString()))
            {
                throw new MalformedEventException("'Table' is missing");
            }

            var eventId = root.TryGetProperty("EventId", out var eid) && eid.TryGetGuid(out var g) ? g : Guid.Empty;
            var detectedAt = root.TryGetProperty("DetectedAt", out var at) && at.TryGetDateTimeOffset(out var t) ? t : default;
            var columns = root.TryGetProperty("Columns", out var cols) && cols.ValueKind == JsonValueKind.Array
                ? cols.EnumerateArray().Where(c => c.ValueKind == JsonValueKind.String).Select(c => c.GetString()!).ToArray()
                : [];
            var decided = root.TryGetProperty("Decided", out var d) && d.ValueKind == JsonValueKind.True;
            return new InconsistentEvent(eventId, table.GetString()!, key, side, kind, detectedAt, columns) { Decided = decided };
        }
    }

    /// <summary>The key by column (<c>Key</c>), or the original producer's single integer <c>ID</c>.</summary>
    private static RowKey ReadKey(JsonElement root)
    {
        if (root.TryGetProperty("Key", out var key) && key.ValueKind == JsonValueKind.Object)
        {
            var columns = new List<string>();
            var values = new List<object?>();
            foreach (var property in key.EnumerateObject())
            {
                columns.Add(property.Name);
                values.Add(property.Value.ValueKind switch
                {
                    JsonValueKind.Number when property.Value.TryGetInt64(out var l) => l,
                    JsonValueKind.Number when property.Value.TryGetUInt64(out var u) => u,
                    JsonValueKind.String => property.Value.GetString(),
                    _ => throw new MalformedEventException($"'Key.{property.Name}' is not an integer or a string"),
                });
            }

            if (columns.Count == 0)
            {
                throw new MalformedEventException("'Key' has no column");
            }

            // Ordered here by the values as given: the repair reads the row by them, it does not merge keys.
            return new RowKey(columns.ToArray(), values.ToArray(), values.Select(v => v switch
            {
                long l => (object)l,
                ulong u => u,
                _ => System.Text.Encoding.UTF8.GetBytes((string)v!),
            }).ToArray());
        }

        if (root.TryGetProperty("ID", out var id) && id.TryGetInt64(out var rowId))
        {
            return RowKey.Of(rowId);
        }

        throw new MalformedEventException("'Key' and 'ID' are both missing, or 'ID' is not a 64-bit integer");
    }
}

/// <summary>A message that is not an inconsistency event; it is set aside, never retried.</summary>
internal sealed class MalformedEventException(string message) : Exception("Malformed inconsistency event: " + message);
