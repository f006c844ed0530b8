using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Migration.Infrastructure.Data;
using Migration.Infrastructure.Observability;
using Migration.Infrastructure.Options;

namespace Migration.Infrastructure.State;

/// <summary>
/// Healthy when the control database (pattern, heartbeats, outbox) answers a trivial query within
/// <see cref="HealthOptions.ProbeTimeoutMs"/> and none of its statements timed out within <see cref="HealthOptions.TimeoutWindowMs"/>.
/// </summary>
internal sealed class ControlDatabaseHealthCheck(ControlDatabase control, DatabaseTimeoutTracker timeouts, IOptions<MigrationOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var health = options.Value.Health;
        var (failure, exception) = await HealthProbe.RunAsync(
            DatabaseTimeoutTracker.Control, ProbeAsync, TimeSpan.FromMilliseconds(health.ProbeTimeoutMs), cancellationToken);
        failure ??= HealthProbe.RecentTimeout(timeouts, DatabaseTimeoutTracker.Control, TimeSpan.FromMilliseconds(health.TimeoutWindowMs));
        return failure is null ? HealthCheckResult.Healthy("The control database answers.") : HealthCheckResult.Unhealthy(failure, exception);
    }

    private async Task ProbeAsync(CancellationToken cancellationToken)
    {
        await using var context = control.CreateContext();
        await context.Database.OpenConnectionAsync(cancellationToken);
        await using var command = context.Database.GetDbConnection().CreateCommand();
        command.CommandText = "SELECT 1";
        await command.ExecuteScalarAsync(cancellationToken);
    }
}
