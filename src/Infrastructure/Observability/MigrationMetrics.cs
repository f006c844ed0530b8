using System.Diagnostics.Metrics;
using Migration.Application.Abstractions;
using Migration.Application.Validation;
using Migration.Domain.Inconsistencies;
using Migration.Domain.Runs;

namespace Migration.Infrastructure.Observability;

/// <summary>
/// The migration's OpenTelemetry metrics (meter <see cref="MeterName"/>), observed from the runs and the repair
/// counters when an exporter collects, so the hot paths carry no instrumentation of their own.
/// </summary>
public sealed class MigrationMetrics : IDisposable
{
    public const string MeterName = "Migration";

    private readonly Meter _meter;

    internal MigrationMetrics(IMeterFactory meters, IValidationScheduler scheduler, IRepairMonitor repairs, TimeProvider time)
    {
        _meter = meters.Create(MeterName);
        IEnumerable<(ValidationRun Run, KeyValuePair<string, object?> Kind)> Runs() =>
            Enum.GetValues<RunKind>()
                .Select(kind => (Run: scheduler.Latest(kind), Kind: new KeyValuePair<string, object?>("kind", kind.ToString().ToLowerInvariant())))
                .Where(x => x.Run is not null)
                .Select(x => (x.Run!, x.Kind));

        _meter.CreateObservableGauge("migration.validation.running", () => Runs().Select(r => new Measurement<int>(r.Run.Status == RunStatus.Running ? 1 : 0, r.Kind)),
            description: "1 while the latest run of the kind is running");
        _meter.CreateObservableGauge("migration.validation.rows_checked", () => Runs().Select(r => new Measurement<long>(r.Run.RowsChecked, r.Kind)),
            unit: "{row}", description: "Rows checked by the latest run of the kind");
        _meter.CreateObservableGauge("migration.validation.rate", () => Runs().Select(r => new Measurement<double>(r.Run.RecentRowsPerSecond, r.Kind)),
            unit: "{row}/s", description: "Rows checked per second over the last few seconds");
        _meter.CreateObservableGauge("migration.validation.inconsistencies", () => Runs().SelectMany(r => Enum.GetValues<InconsistencyType>()
                .Select(type => new Measurement<long>(r.Run.InconsistenciesOf(type), r.Kind, new("type", type.ToWire())))),
            unit: "{row}", description: "Inconsistencies found by the latest run of the kind, by type");
        _meter.CreateObservableGauge("migration.validation.events_published", () => Runs().Select(r => new Measurement<long>(r.Run.EventsPublished, r.Kind)),
            unit: "{event}", description: "Inconsistency events published by the latest run of the kind");
        _meter.CreateObservableGauge("migration.validation.errors", () => Runs().Select(r => new Measurement<long>(r.Run.Errors, r.Kind)),
            unit: "{error}", description: "Failed attempts (retried) of the latest run of the kind");
        _meter.CreateObservableGauge("migration.validation.duration", () => Runs().Select(r => new Measurement<double>(
                ((r.Run.EndedAt ?? time.GetUtcNow()) - r.Run.StartedAt).TotalSeconds, r.Kind)),
            unit: "s", description: "How long the latest run of the kind has run");
        _meter.CreateObservableGauge("migration.validation.cursor_lag", () => Runs()
                .Select(r => (r.Kind, Lag: RunDto.CursorLag(r.Run, time.GetUtcNow())))
                .Where(x => x.Lag is not null)
                .Select(x => new Measurement<long>(x.Lag!.Value, x.Kind)),
            unit: "ms", description: "Incremental validation: now minus the cursor's utime");
        _meter.CreateObservableCounter<long>("migration.repair.rows", () =>
            {
                var c = repairs.Snapshot();
                return (IEnumerable<Measurement<long>>)
                [
                    new Measurement<long>(c.Upserted, new KeyValuePair<string, object?>("outcome", "upserted")),
                    new Measurement<long>(c.Deleted, new KeyValuePair<string, object?>("outcome", "deleted")),
                    new Measurement<long>(c.Unchanged, new KeyValuePair<string, object?>("outcome", "unchanged")),
                    new Measurement<long>(c.Conflicts, new KeyValuePair<string, object?>("outcome", "conflict")),
                    new Measurement<long>(c.GaveUp, new KeyValuePair<string, object?>("outcome", "gave_up")),
                ];
            },
            unit: "{event}", description: "Repair outcomes since the process started");
        _meter.CreateObservableCounter("migration.repair.failed_attempts", () => repairs.Snapshot().Failed,
            unit: "{attempt}", description: "Repair attempts that failed and were retried");
        _meter.CreateObservableGauge("migration.events.pending", () => repairs.Snapshot().Pending,
            unit: "{event}", description: "Events published and not yet repaired");
    }

    public void Dispose() => _meter.Dispose();
}
