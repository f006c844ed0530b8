using Migration.Domain.Patterns;

namespace Migration.Application.Abstractions;

/// <summary>Holds the current double-write pattern, which decides the base side of validation.</summary>
public interface IPatternStore
{
    ValueTask<WritePattern> GetAsync(CancellationToken cancellationToken);
}
