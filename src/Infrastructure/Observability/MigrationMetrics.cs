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

    /// <param name="instanceId">Tagged on every measurement (<c>migration.instance</c>), as on the retry and auth counters: the
    /// meter is one per process, and one process may host several instances.</param>
    /// <param name="journal">The write journals' last measurement (<c>migration.journal.*</c>, tagged <c>side</c>).</param>
    internal MigrationMetrics(
        IMeterFactory meters, IValidationScheduler scheduler, IRepairMonitor repairs, TimeProvider time, string instanceId, IWriteJournalMonitor? journal = null)
    {
        _meter = meters.Create(MeterName);
        var instance = new KeyValuePair<string, object?>("migration.instance", instanceId);
        IEnumerable<(ValidationRun Run, KeyValuePair<string, object?> Kind)> Runs() =>
            Enum.GetValues<RunKind>()
                .Select(kind => (Run: scheduler.Latest(kind), Kind: new KeyValuePair<string, object?>("kind", kind.ToString().ToLowerInvariant())))
                .Where(x => x.Run is not null)
                .Select(x => (x.Run!, x.Kind));

        _meter.CreateObservableGauge("migration.validation.running", () => Runs().Select(r => new Measurement<int>(r.Run.Status == RunStatus.Running ? 1 : 0, r.Kind, instance)),
            description: "1 while the latest run of the kind is running");
        _meter.CreateObservableGauge("migration.validation.rows_checked", () => Runs().Select(r => new Measurement<long>(r.Run.RowsChecked, r.Kind, instance)),
            unit: "{row}", description: "Rows checked by the latest run of the kind");
        _meter.CreateObservableGauge("migration.validation.rate", () => Runs().Select(r => new Measurement<double>(r.Run.RecentRowsPerSecond, r.Kind, instance)),
            unit: "{row}/s", description: "Rows checked per second over the last few seconds");
        _meter.CreateObservableGauge("migration.validation.inconsistencies", () => Runs().SelectMany(r => Enum.GetValues<InconsistencyType>()
                .Select(type => new Measurement<long>(r.Run.InconsistenciesOf(type), r.Kind, new("type", type.ToWire()), instance))),
            unit: "{row}", description: "Inconsistencies found by the latest run of the kind, by type");
        _meter.CreateObservableGauge("migration.validation.events_published", () => Runs().Select(r => new Measurement<long>(r.Run.EventsPublished, r.Kind, instance)),
            unit: "{event}", description: "Inconsistency events published by the latest run of the kind");
        _meter.CreateObservableGauge("migration.validation.errors", () => Runs().Select(r => new Measurement<long>(r.Run.Errors, r.Kind, instance)),
            unit: "{error}", description: "Failed attempts (retried) of the latest run of the kind");
        _meter.CreateObservableGauge("migration.validation.duration", () => Runs().Select(r => new Measurement<double>(
                ((r.Run.EndedAt ?? time.GetUtcNow()) - r.Run.StartedAt).TotalSeconds, r.Kind, instance)),
            unit: "s", description: "How long the latest run of the kind has run");
        _meter.CreateObservableGauge("migration.validation.cursor_lag", () => Runs()
                .Select(r => (r.Kind, Lag: RunDto.CursorLag(r.Run, time.GetUtcNow())))
                .Where(x => x.Lag is not null)
                .Select(x => new Measurement<long>(x.Lag!.Value, x.Kind, instance)),
            unit: "ms", description: "Incremental validation: now minus the cursor's utime");
        _meter.CreateObservableCounter<long>("migration.repair.rows", () =>
            {
                var c = repairs.Snapshot();
                return (IEnumerable<Measurement<long>>)
                [
                    new Measurement<long>(c.Upserted, new KeyValuePair<string, object?>("outcome", "upserted"), instance),
                    new Measurement<long>(c.Deleted, new KeyValuePair<string, object?>("outcome", "deleted"), instance),
                    new Measurement<long>(c.Unchanged, new KeyValuePair<string, object?>("outcome", "unchanged"), instance),
                    new Measurement<long>(c.Conflicts, new KeyValuePair<string, object?>("outcome", "conflict"), instance),
                    new Measurement<long>(c.GaveUp, new KeyValuePair<string, object?>("outcome", "gave_up"), instance),
                ];
            },
            unit: "{event}", description: "Repair outcomes since the process started");
        _meter.CreateObservableCounter("migration.repair.failed_attempts", () => new Measurement<long>(repairs.Snapshot().Failed, instance),
            unit: "{attempt}", description: "Repair attempts that failed and were retried");
        IEnumerable<(JournalSideStatus Side, KeyValuePair<string, object?> Tag)> Journals() =>
            (journal?.Snapshot()?.Sides ?? []).Select(j => (j, new KeyValuePair<string, object?>("side", j.Side)));
        _meter.CreateObservableGauge("migration.journal.rows", () => Journals().Select(j => new Measurement<long>(j.Side.Rows, j.Tag, instance)),
            unit: "{entry}", description: "Entries in the side's write journal");
        _meter.CreateObservableGauge("migration.journal.oldest_age_ms", () => Journals().Select(j => new Measurement<long>(
                j.Side.OldestUnverifiedAgeMs ?? j.Side.OldestAgeMs ?? 0, j.Tag, instance)),
            unit: "ms", description: "While an incremental run runs: age of the oldest journal entry it has not verified; else of the oldest entry");
        _meter.CreateObservableGauge("migration.events.pending", () => new Measurement<long>(repairs.Snapshot().Pending, instance),
            unit: "{event}", description: "Events published and not yet repaired");
    }

    public void Dispose() => _meter.Dispose();
}
