using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Migration.Infrastructure.Observability;
using Migration.Infrastructure.Options;

namespace Migration.Infrastructure.Kafka;

/// <summary>
/// When Kafka is configured: asks the cluster for the topic's metadata (one small request over the shared producer's
/// connections) within <see cref="HealthOptions.ProbeTimeoutMs"/>. Kafka unreachable makes an instance that serves the
/// API only <c>Degraded</c> (still ready): its writes go on, their events wait in the outbox. A repair-only instance
/// has nothing to do without Kafka, so it is <c>Unhealthy</c>.
/// </summary>
internal sealed class KafkaHealthCheck(KafkaClients clients, IOptions<MigrationOptions> options) : IHealthCheck, IDisposable
{
    private readonly Lock _lock = new();
    private IAdminClient? _admin;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var migration = options.Value;
        if (!migration.Kafka.Enabled)
        {
            return HealthCheckResult.Healthy("Kafka is not configured; events go through the in-process bus.");
        }

        var timeout = TimeSpan.FromMilliseconds(migration.Health.ProbeTimeoutMs);
        var (failure, exception) = await HealthProbe.RunAsync("Kafka", _ =>
        {
            Admin().GetMetadata(migration.Kafka.Topic, timeout);
            return Task.CompletedTask;
        }, timeout, cancellationToken);
        if (failure is null)
        {
            return HealthCheckResult.Healthy("Kafka answers.");
        }

        return new HealthCheckResult(migration.Roles.RunsRelay() ? HealthStatus.Degraded : HealthStatus.Unhealthy, failure, exception);
    }

    public void Dispose() => _admin?.Dispose();

    private IAdminClient Admin()
    {
        lock (_lock)
        {
            return _admin ??= new DependentAdminClientBuilder(clients.Producer.Handle).Build();
        }
    }
}
