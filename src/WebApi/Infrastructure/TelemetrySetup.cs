using Migration.Infrastructure.Observability;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Migration.WebApi.Infrastructure;

/// <summary>
/// OpenTelemetry: the migration's metrics, Polly's retry metrics and HTTP/database traces. A Prometheus text endpoint at
/// <c>/metrics</c> is always on; an OTLP exporter is added when <c>OpenTelemetry:OtlpEndpoint</c> is set.
/// </summary>
internal static class TelemetrySetup
{
    /// <summary>The meter of Polly's telemetry (Polly.Extensions).</summary>
    public const string PollyMeterName = "Polly";

    public static IServiceCollection AddTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var otlp = configuration["OpenTelemetry:OtlpEndpoint"];
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("table-migration"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(MigrationMetrics.MeterName).AddAspNetCoreInstrumentation().AddPrometheusExporter();
                // Polly's retries, attempts and pipeline durations, tagged with the retry pipeline's name.
                metrics.AddMeter(PollyMeterName);
                if (!string.IsNullOrWhiteSpace(otlp))
                {
                    metrics.AddOtlpExporter(o => o.Endpoint = new Uri(otlp));
                }
            })
            .WithTracing(tracing =>
            {
                // MySqlConnector reports each command as an activity of its own source.
                tracing.AddAspNetCoreInstrumentation().AddSource("MySqlConnector");
                if (!string.IsNullOrWhiteSpace(otlp))
                {
                    tracing.AddOtlpExporter(o => o.Endpoint = new Uri(otlp));
                }
            });
        return services;
    }
}
