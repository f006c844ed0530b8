using System.Diagnostics.Metrics;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Migration.WebApi.Infrastructure;
using Migration.Infrastructure.Observability;

namespace Migration.WebApi.Security;

/// <summary>
/// Counts refused requests as <c>migration.auth.rejected</c> (in the migration's meter, so at <c>/metrics</c>), by
/// status (401, 403) and reason: <c>missing</c> (no credentials), <c>invalid</c> (a wrong, expired or repeated key or
/// token), <c>forbidden</c> (authenticated without the role). Leaves what was missing or wrong as the ProblemDetails
/// <c>detail</c> (<see cref="ApiConventions.DetailItem"/>), then answers as the default handler does.
/// </summary>
internal sealed class CountingAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();
    private readonly Counter<long> _rejected;
    private readonly bool _jwt;
    private readonly KeyValuePair<string, object?> _instance;

    public CountingAuthorizationResultHandler(IMeterFactory meters, IOptions<AuthOptions> auth, Migration.Application.Abstractions.IInstanceRegistry instances)
    {
        // Tagged with the instance, as the retry counters are: one process may host several instances (the tests do).
        _instance = new("migration.instance", instances.InstanceId);
        _rejected = meters.Create(MigrationMetrics.MeterName).CreateCounter<long>(
            "migration.auth.rejected", unit: "{request}", description: "Requests refused by authentication (401) or authorization (403)");
        _jwt = auth.Value.Jwt.Enabled;
    }

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden)
        {
            Count(403, "forbidden");
            context.Items[ApiConventions.DetailItem] = Forbidden(policy, context.User);
        }
        else if (authorizeResult.Challenged)
        {
            // The handler keeps its result for the request: this does not authenticate again.
            var authentication = await context.AuthenticateAsync();
            Count(401, authentication.Failure is null ? "missing" : "invalid");
            context.Items[ApiConventions.DetailItem] = authentication.Failure is null
                ? $"No credentials: send an API key in the {ApiKeyAuthenticationHandler.HeaderName} header{(_jwt ? " or a bearer token in the Authorization header" : "")}."
                : Invalid(authentication.Failure);
        }

        await _default.HandleAsync(next, context, policy, authorizeResult);
    }

    private static string Forbidden(AuthorizationPolicy policy, ClaimsPrincipal user)
    {
        var roles = policy.Requirements.OfType<RolesAuthorizationRequirement>().SelectMany(r => r.AllowedRoles).Distinct().ToArray();
        var who = user.Identity?.Name is { Length: > 0 } name ? $"'{name}'" : "this caller";
        return roles.Length == 0
            ? $"{who} may not do this."
            : $"This needs the {string.Join(" or ", roles.Select(r => $"'{r}'"))} role, which {who} does not have.";
    }

    /// <summary>The API key handler's own words; for a bearer token, which check failed (never the token's content).</summary>
    private static string Invalid(Exception failure)
    {
        var errors = failure is AggregateException aggregate ? aggregate.InnerExceptions : [failure];
        foreach (var error in errors)
        {
            switch (error)
            {
                case SecurityTokenExpiredException:
                    return "The bearer token has expired.";
                case SecurityTokenNotYetValidException:
                    return "The bearer token is not valid yet.";
                case SecurityTokenInvalidIssuerException:
                    return "The bearer token's issuer is not accepted.";
                case SecurityTokenInvalidAudienceException:
                    return "The bearer token's audience is not accepted.";
                case SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException:
                    return "The bearer token's signature is not valid.";
                case SecurityTokenException or ArgumentException:
                    return "The bearer token is not valid.";
            }
        }

        return failure.Message;
    }

    private void Count(int status, string reason) =>
        _rejected.Add(1, new KeyValuePair<string, object?>("status", status), new KeyValuePair<string, object?>("reason", reason), _instance);
}
