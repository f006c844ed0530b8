using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Migration.Domain.Patterns;

namespace Migration.Infrastructure.State.Configurations;

/// <summary>Stores a pattern by its wire name (<c>src_first</c>…), readable in the table and stable if the enum is reordered.</summary>
internal sealed class PatternWireConverter() : ValueConverter<WritePattern, string>(p => p.ToWire(), s => Parse(s))
{
    public static WritePattern Parse(string value) => WritePatternExtensions.TryParseWire(value, out var pattern)
        ? pattern
        : throw new InvalidOperationException($"The control database holds '{value}', which is not a write pattern.");
}
