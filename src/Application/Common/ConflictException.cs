namespace Migration.Application.Common;

/// <summary>The request is valid but cannot be applied in the current state (HTTP 409).</summary>
public sealed class ConflictException(string message) : Exception(message);
