using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Migration.Domain;
using Migration.Infrastructure.Observability;
using Migration.Infrastructure.Options;

namespace Migration.Infrastructure.Data;

/// <summary>
/// Healthy when both sides answer a trivial query within <see cref="HealthOptions.ProbeTimeoutMs"/> and neither timed
/// out on real work (a lock wait, a command timeout) within <see cref="HealthOptions.TimeoutWindowMs"/>.
/// </summary>
internal sealed class SideDatabasesHealthCheck(SideDatabases databases, DatabaseTimeoutTracker timeouts, IOptions<MigrationOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var health = options.Value.Health;
        var sides = new[] { Direction.Src, Direction.Dst };
        var probes = await Task.WhenAll(sides.Select(side => HealthProbe.RunAsync(
            side.ToWire(), ct => ProbeAsync(databases[side], ct), TimeSpan.FromMilliseconds(health.ProbeTimeoutMs), cancellationToken)));
        var failures = probes.Select(p => p.Failure)
            .Concat(sides.Select(side => HealthProbe.RecentTimeout(timeouts, side.ToWire(), TimeSpan.FromMilliseconds(health.TimeoutWindowMs))))
            .OfType<string>()
            .ToList();
        return failures.Count == 0
            ? HealthCheckResult.Healthy("Source and target answer.")
            : HealthCheckResult.Unhealthy(string.Join("; ", failures), probes.Select(p => p.Exception).FirstOrDefault(e => e is not null));
    }

    private static async Task ProbeAsync(SideDatabase side, CancellationToken cancellationToken)
    {
        await using var connection = await side.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1";
        await command.ExecuteScalarAsync(cancellationToken);
    }
}
