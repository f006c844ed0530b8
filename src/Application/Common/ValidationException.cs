namespace Migration.Application.Common;

/// <summary>A request broke one or more rules. <see cref="Errors"/> is keyed by the JSON field name.</summary>
public sealed class ValidationException(IDictionary<string, string[]> errors)
    : Exception("One or more fields are invalid: " + string.Join(", ", errors.Keys))
{
    public IDictionary<string, string[]> Errors { get; } = errors;
}
