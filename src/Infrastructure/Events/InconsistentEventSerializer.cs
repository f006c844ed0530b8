using System.Text.Json;
using Migration.Domain;
using Migration.Domain.Inconsistencies;

namespace Migration.Infrastructure.Events;

/// <summary>
/// The wire format: <c>{"ID":42,"Direction":"SRC","Type":"neq","Table":"users","EventId":"…","DetectedAt":"…","Columns":["email"]}</c>.
/// <c>ID</c>, <c>Direction</c> and <c>Type</c> keep the original implementation's names so its consumers keep working.
/// </summary>
internal static class InconsistentEventSerializer
{
    public static byte[] Serialize(InconsistentEvent e)
    {
        using var buffer = new MemoryStream(160);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("ID", e.Id);
            json.WriteString("Direction", e.Direction.ToWire());
            json.WriteString("Type", e.Type.ToWire());
            json.WriteString("Table", e.Table);
            json.WriteString("EventId", e.EventId);
            json.WriteString("DetectedAt", e.DetectedAt);
            json.WriteStartArray("Columns");
            foreach (var column in e.Columns)
            {
                json.WriteStringValue(column);
            }

            json.WriteEndArray();
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

            if (!root.TryGetProperty("ID", out var id) || !id.TryGetInt64(out var rowId))
            {
                throw new MalformedEventException("'ID' is missing or not a 64-bit integer");
            }

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
            return new InconsistentEvent(eventId, table.GetString()!, rowId, side, kind, detectedAt, columns);
        }
    }
}

/// <summary>A message that is not an inconsistency event; it is set aside, never retried.</summary>
internal sealed class MalformedEventException(string message) : Exception("Malformed inconsistency event: " + message);
