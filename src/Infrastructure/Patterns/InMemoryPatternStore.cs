using Microsoft.Extensions.Options;
using Migration.Application.Abstractions;
using Migration.Domain.Patterns;
using Migration.Infrastructure.Options;

namespace Migration.Infrastructure.Patterns;

/// <summary>The pattern from configuration, held in memory. Durable, shared storage comes with pattern switching.</summary>
internal sealed class InMemoryPatternStore(IOptions<MigrationOptions> options) : IPatternStore
{
    private readonly WritePattern _pattern = WritePatternExtensions.TryParseWire(options.Value.Pattern, out var p) ? p : WritePattern.SrcOnly;

    public ValueTask<WritePattern> GetAsync(CancellationToken cancellationToken) => ValueTask.FromResult(_pattern);
}
