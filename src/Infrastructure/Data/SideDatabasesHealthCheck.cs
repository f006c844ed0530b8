using Microsoft.Extensions.Diagnostics.HealthChecks;
using Migration.Domain;

namespace Migration.Infrastructure.Data;

/// <summary>Healthy when both sides answer a trivial query.</summary>
internal sealed class SideDatabasesHealthCheck(SideDatabases databases) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var failures = new List<string>();
        foreach (var side in new[] { Direction.Src, Direction.Dst })
        {
            try
            {
                await using var connection = await databases[side].OpenAsync(cancellationToken);
                await using var command = connection.CreateCommand();
                command.CommandText = "SELECT 1";
                await command.ExecuteScalarAsync(cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                failures.Add($"{side.ToWire()}: {ex.Message}");
            }
        }

        return failures.Count == 0
            ? HealthCheckResult.Healthy("Source and target answer.")
            : HealthCheckResult.Unhealthy(string.Join("; ", failures));
    }
}
