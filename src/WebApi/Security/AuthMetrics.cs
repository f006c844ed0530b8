using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Migration.Infrastructure.Observability;

namespace Migration.WebApi.Security;

/// <summary>
/// Counts refused requests as <c>migration.auth.rejected</c> (in the migration's meter, so at <c>/metrics</c>), by
/// status (401, 403) and reason: <c>missing</c> (no credentials), <c>invalid</c> (a wrong, expired or repeated key or
/// token), <c>forbidden</c> (authenticated without the role). Then answers as the default handler does.
/// </summary>
internal sealed class CountingAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();
    private readonly Counter<long> _rejected;

    public CountingAuthorizationResultHandler(IMeterFactory meters) =>
        _rejected = meters.Create(MigrationMetrics.MeterName).CreateCounter<long>(
            "migration.auth.rejected", unit: "{request}", description: "Requests refused by authentication (401) or authorization (403)");

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden)
        {
            Count(403, "forbidden");
        }
        else if (authorizeResult.Challenged)
        {
            // The handler keeps its result for the request: this does not authenticate again.
            var authentication = await context.AuthenticateAsync();
            Count(401, authentication.Failure is null ? "missing" : "invalid");
        }

        await _default.HandleAsync(next, context, policy, authorizeResult);
    }

    private void Count(int status, string reason) =>
        _rejected.Add(1, new KeyValuePair<string, object?>("status", status), new KeyValuePair<string, object?>("reason", reason));
}
