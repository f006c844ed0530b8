using System.Diagnostics.Metrics;
using Migration.Application.Abstractions;
using Migration.Infrastructure.Observability;
using Polly.Telemetry;

namespace Migration.Infrastructure.Resilience;

/// <summary>
/// The service's own count of retries, <c>migration.retries</c> on the <see cref="MigrationMetrics.MeterName"/> meter,
/// tagged <c>pipeline</c> and <c>migration.instance</c> (this instance's id, as in the status). Polly's meter counts
/// the same retries, with more tags.
/// </summary>
internal sealed class RetryMetrics
{
    /// <summary>The tag that names the instance, on this counter and on Polly's instruments.</summary>
    public const string InstanceTag = "migration.instance";

    private readonly Counter<long> _retries;
    private readonly KeyValuePair<string, object?> _instance;

    public RetryMetrics(IMeterFactory meters, IInstanceRegistry instances)
    {
        _retries = meters.Create(MigrationMetrics.MeterName).CreateCounter<long>(
            "migration.retries", unit: "{retry}", description: "Failed attempts that were retried, by retry pipeline");
        _instance = new(InstanceTag, instances.InstanceId);
    }

    public void Retried(string pipeline) => _retries.Add(1, new KeyValuePair<string, object?>("pipeline", pipeline), _instance);
}

/// <summary>
/// Tags Polly's instruments with this instance's id: Polly's meter is one per process, so without it several hosts in
/// one process (as in the tests) could not be told apart.
/// </summary>
internal sealed class InstanceMeteringEnricher(string instanceId) : MeteringEnricher
{
    public override void Enrich<TResult, TArgs>(in EnrichmentContext<TResult, TArgs> context) =>
        context.Tags.Add(new(RetryMetrics.InstanceTag, instanceId));
}
