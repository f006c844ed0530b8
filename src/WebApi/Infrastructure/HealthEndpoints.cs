using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Migration.Infrastructure.Observability;

namespace Migration.WebApi.Infrastructure;

/// <summary>
/// The health endpoints, open to anyone (probes carry no key): <c>/health/live</c> (the process serves; touches no
/// database), <c>/health/ready</c> (the sides, the control database and Kafka when configured, each probe bounded) and
/// <c>/health</c> (every check). 200 when Healthy or Degraded, 503 when Unhealthy, with a JSON body naming each check's
/// status; descriptions never carry a database's own error text.
/// </summary>
internal static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/health", Options(_ => true)).AllowAnonymous();
        endpoints.MapHealthChecks("/health/live", Options(_ => false)).AllowAnonymous();
        endpoints.MapHealthChecks("/health/ready", Options(check => check.Tags.Contains(HealthTags.Ready))).AllowAnonymous();
        return endpoints;
    }

    private static HealthCheckOptions Options(Func<HealthCheckRegistration, bool> predicate) => new()
    {
        Predicate = predicate,
        ResponseWriter = WriteAsync,
    };

    private static Task WriteAsync(HttpContext context, HealthReport report) =>
        context.Response.WriteAsJsonAsync(new HealthBody(
            report.Status.ToString(),
            Math.Round(report.TotalDuration.TotalMilliseconds),
            report.Entries.ToDictionary(
                e => e.Key,
                e => new HealthEntryBody(e.Value.Status.ToString(), e.Value.Description, Math.Round(e.Value.Duration.TotalMilliseconds)))));

    private sealed record HealthBody(string Status, double DurationMs, Dictionary<string, HealthEntryBody> Checks);

    private sealed record HealthEntryBody(string Status, string? Description, double DurationMs);
}
