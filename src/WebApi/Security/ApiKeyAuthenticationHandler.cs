using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Migration.WebApi.Security;

/// <summary>
/// Authenticates the <c>X-Api-Key</c> header against the <see cref="ApiKeyStore"/>. More than one such header is
/// refused, whatever the keys: which one counts must not depend on the order a proxy keeps them in. The base class's
/// per-request lines ("not authenticated", "challenged") are logged at debug: a refused request is the caller's
/// mistake, counted in the <c>migration.auth.rejected</c> metric, not an event for the service log. A challenge says
/// in <c>WWW-Authenticate</c> which credentials are accepted.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyStore keys, IOptions<AuthOptions> auth)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, new DebugLevelLoggerFactory(logger), encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    /// <summary>The <c>WWW-Authenticate</c> challenge of this scheme.</summary>
    public const string Challenge = $"{SchemeName} header=\"{HeaderName}\"";

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.Append(HeaderNames.WWWAuthenticate, Challenge);
        if (auth.Value.Jwt.Enabled)
        {
            Response.Headers.Append(HeaderNames.WWWAuthenticate, "Bearer");
        }

        return Task.CompletedTask;
    }

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(HeaderName, out var values) || values.Count == 0 || string.IsNullOrEmpty(values[0]))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (values.Count > 1)
        {
            return Task.FromResult(AuthenticateResult.Fail($"Send one {HeaderName} header, not {values.Count}."));
        }

        if (keys.Find(values[0]!) is not { } holder)
        {
            return Task.FromResult(AuthenticateResult.Fail("The API key is not valid."));
        }

        var claims = new List<Claim> { new(ClaimTypes.Name, holder.Name) };
        claims.AddRange(holder.Roles.Select(role => new Claim(ClaimTypes.Role, role)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }
}
