using System.Diagnostics.Metrics;
using Migration.Application.Abstractions;
using Migration.Infrastructure.Observability;
using Migration.Infrastructure.Resilience;

namespace Migration.Infrastructure.Repair;

/// <summary>
/// The sizes of the repair's batches, <c>migration.repair.batch_size</c> on the <see cref="MigrationMetrics.MeterName"/>
/// meter (a histogram, tagged <c>migration.instance</c>): batches near 1 under a backlog mean the repair runs row by row.
/// </summary>
internal sealed class RepairBatchMetrics
{
    private readonly Histogram<int> _sizes;
    private readonly KeyValuePair<string, object?> _instance;

    public RepairBatchMetrics(IMeterFactory meters, IInstanceRegistry instances)
    {
        _sizes = meters.Create(MigrationMetrics.MeterName).CreateHistogram<int>(
            "migration.repair.batch_size", unit: "{event}", description: "Events handled together by one repair batch");
        _instance = new(RetryMetrics.InstanceTag, instances.InstanceId);
    }

    public void Batch(int events) => _sizes.Record(events, _instance);
}
