namespace Migration.Application.Common;

/// <summary>The requested row does not exist (HTTP 404).</summary>
public sealed class NotFoundException(string message) : Exception(message);
