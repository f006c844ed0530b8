namespace Migration.WebApi.Security;

/// <summary>One accepted API key.</summary>
public sealed class ApiKeyEntry
{
    /// <summary>Who holds the key; it names the principal in logs instead of the key.</summary>
    public string Name { get; set; } = "";

    /// <summary>The secret sent in the <c>X-Api-Key</c> header. Use at least 32 random characters.</summary>
    public string Key { get; set; } = "";

    /// <summary>Roles of the key's principal. <c>operator</c> may switch the double-write pattern.</summary>
    public List<string> Roles { get; set; } = [];
}

/// <summary>The <c>Auth</c> configuration section.</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>
    /// Accepted keys. When empty, the service makes one key with every role at start and prints it once to
    /// the console: mutations are never open.
    /// </summary>
    public List<ApiKeyEntry> ApiKeys { get; set; } = [];

    /// <summary>Whether reads (<c>GET</c>) need a key too. Default false: status and health are open.</summary>
    public bool ProtectReads { get; set; }

    /// <summary>JWT bearer tokens, accepted beside API keys when configured.</summary>
    public JwtOptions Jwt { get; set; } = new();
}

/// <summary>
/// JWT bearer tokens (<c>Authorization: Bearer …</c>), for callers that carry an identity instead of a key: either an
/// OpenID Connect <see cref="Authority"/>, or a shared HS256 <see cref="SigningKey"/>. Roles come from the
/// <c>role</c> claim.
/// </summary>
public sealed class JwtOptions
{
    /// <summary>The token issuer's base address (its signing keys are fetched from its discovery document).</summary>
    public string? Authority { get; set; }

    /// <summary>A shared secret (32+ bytes) for HS256-signed tokens, when there is no authority.</summary>
    public string? SigningKey { get; set; }

    /// <summary>The expected <c>iss</c>; not checked when empty.</summary>
    public string? Issuer { get; set; }

    /// <summary>The expected <c>aud</c>; not checked when empty.</summary>
    public string? Audience { get; set; }

    /// <summary>
    /// How far a token's <c>exp</c> and <c>nbf</c> may be off the service's clock, in seconds (0 to 3600): an expired
    /// token is accepted for this long. Default 30 (the library's own default is 5 minutes).
    /// </summary>
    public int ClockSkewSeconds { get; set; } = 30;

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority) || !string.IsNullOrWhiteSpace(SigningKey);
}
