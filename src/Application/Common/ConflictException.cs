namespace Migration.Application.Common;

/// <summary>The request is valid but cannot be applied in the current state (HTTP 409).</summary>
/// <param name="details">Extra members of the ProblemDetails body, such as the current pattern and the allowed moves.</param>
public sealed class ConflictException(string message, IReadOnlyDictionary<string, object?>? details = null) : Exception(message)
{
    public IReadOnlyDictionary<string, object?> Details { get; } = details ?? new Dictionary<string, object?>();
}
