using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Migration.Application;
using Migration.Application.Abstractions;
using Migration.Domain.Runs;
using Migration.Infrastructure;
using Migration.Infrastructure.Options;
using Migration.Infrastructure.Outbox;
using MySqlConnector;

namespace Migration.Bench;

/// <summary>
/// The incremental mode of issue 14: a mixed write load on the source only, incremental validation and the repair
/// (in-process, or through Kafka on librdkafka's mock cluster with one or two repair instances in one group) running
/// as the service runs them, and per 5-second window the achieved write rate, the write → detected and write →
/// repaired delays, the backlog and the process's memory; then the targets, met or missed.
/// </summary>
internal static class IncrementalBench
{
    private const int WindowSeconds = 5;
    private const int DrainSeconds = 30;
    private const string ControlDatabase = "bench_control";

    /// <summary>Result of one run, for the Kafka comparison.</summary>
    private sealed record Outcome(bool Met, double RepairedPerSecond, double RepairedPerSecondToEnd, bool KeptUp);

    public static async Task<int> RunAsync(BenchOptions options, string server, CpuClock cpu)
    {
        Console.WriteLine($"cpu: {CpuModel()}, nproc {Environment.ProcessorCount}; load average at start {BenchDatabase.LoadAverage()}");
        Console.WriteLine($"server: {await BenchDatabase.ServerVersionAsync(server)}");
        Console.WriteLine($"change capture: {ChangeCaptureSupport()}");
        if (!options.Kafka)
        {
            return (await RunOnceAsync(options, server, null, cpu)).Met ? 0 : 1;
        }

        using var cluster = MockBrokerProcess.Start(brokers: 3);
        Console.WriteLine($"kafka: librdkafka mock cluster in a process of its own, 3 brokers at {cluster.BootstrapServers}, topic of {options.Partitions} partitions");
        if (!options.CompareInstances)
        {
            return (await RunOnceAsync(options, server, cluster, cpu)).Met ? 0 : 1;
        }

        var one = await RunOnceAsync(options with { RepairInstances = 1 }, server, cluster, cpu);
        var two = await RunOnceAsync(options with { RepairInstances = 2 }, server, cluster, cpu);
        var ratio = two.RepairedPerSecond / one.RepairedPerSecond;
        var ratioToEnd = two.RepairedPerSecondToEnd / one.RepairedPerSecondToEnd;
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"kafka comparison: rows repaired/s while writing {one.RepairedPerSecond:N0} with 1 instance, {two.RepairedPerSecond:N0} with 2: ratio {ratio:F2} (target ≥ 1.7: {(ratio >= 1.7 ? "met" : "MISSED")}); " +
            $"until drained {one.RepairedPerSecondToEnd:N0} vs {two.RepairedPerSecondToEnd:N0}: {ratioToEnd:F2}"));
        if (one.KeptUp)
        {
            Console.WriteLine("kafka comparison: one instance kept up with the load, so the ratio is capped by the load, not by the repair");
        }

        return one.Met && two.Met && ratio >= 1.7 ? 0 : 1;
    }

    private static async Task<Outcome> RunOnceAsync(BenchOptions options, string server, MockBrokerProcess? cluster, CpuClock cpu)
    {
        var setup = Stopwatch.StartNew();
        var sourceCs = BenchDatabase.For(server, BenchDatabase.SourceDatabase);
        var targetCs = BenchDatabase.For(server, BenchDatabase.TargetDatabase);
        await BenchDatabase.CreateAsync(server, options.Rows);
        await IncrementalLoad.PrepareTargetAsync(targetCs);
        await BenchDatabase.SettleAsync(server);
        await using (var connection = new MySqlConnection(server))
        {
            await connection.OpenAsync();
            await BenchDatabase.ExecuteAsync(connection, $"DROP DATABASE IF EXISTS {ControlDatabase}; CREATE DATABASE {ControlDatabase};");
        }

        var load = new IncrementalLoad(sourceCs, options.Rows, options);
        var ledger = load.Ledger;
        var topic = $"bench-{Guid.NewGuid():N}"[..14];
        cluster?.CreateTopic(topic, options.Partitions);
        var instances = cluster is null ? 1 : options.RepairInstances;
        Console.WriteLine();
        Console.WriteLine($"setup: {options.Rows:N0} rows per side in {setup.Elapsed.TotalSeconds:F1} s; write-ledger {ledger.Bytes / (1024 * 1024):N0} MB allocated and touched up front");
        Console.WriteLine($"mode: incremental, {options.WritesPerSecond:N0} writes/s ({options.Mix.Updates}/{options.Mix.Inserts}/{options.Mix.Deletes} % updates/inserts/deletes) " +
            $"for {options.Seconds} s through {options.Connections} connections; interval 50 ms, batch {options.BatchSize}; control database {options.Control}; repair " +
            (cluster is null ? "in-process" : $"through Kafka, {instances} instance(s) in one group, {options.Partitions} partitions") +
            (options.Settings.Count == 0 ? "" : $"; settings {string.Join(", ", options.Settings.Select(s => $"{s.Key}={s.Value}"))}"));

        var dataDirectory = Directory.CreateTempSubdirectory("migration-bench-");
        var hosts = new List<IHost>();
        try
        {
            var settings = Settings(options, server, dataDirectory.FullName, cluster, topic);
            hosts.Add(Build(settings, "bench-1", "Both", ledger));
            for (var i = 2; i <= instances; i++)
            {
                hosts.Add(Build(settings, $"bench-{i}", "Repair", null));
            }

            foreach (var host in hosts)
            {
                await host.StartAsync();
            }

            var main = hosts[0].Services;
            if (cluster is not null)
            {
                await WaitForAssignmentAsync(hosts, options.Partitions);
            }

            var scheduler = main.GetRequiredService<IValidationScheduler>();
            var run = await scheduler.StartAsync(RunKind.Incremental, IncrementalLoad.Now(), intervalMs: 50, maxRowsPerSecond: 0, repair: true, CancellationToken.None);
            await using var repairLog = new RepairLogReader(targetCs, ledger);
            var windows = new List<WindowLine>();
            using var stop = new CancellationTokenSource();
            var startMs = IncrementalLoad.Now();
            var handledAtStart = Handled(hosts);
            var writing = load.WriteAsync(options.WritesPerSecond, TimeSpan.FromSeconds(options.Seconds), CancellationToken.None);
            var watching = WatchAsync(hosts, run, ledger, repairLog, cpu, startMs, windows, stop.Token);
            var clock = Stopwatch.StartNew();
            await writing;
            var written = clock.Elapsed.TotalSeconds;
            var handledAtLoadEnd = Handled(hosts);
            var loadEndMs = IncrementalLoad.Now();

            // Let the repair catch up with the last writes (deletes aside: nothing may ever see them), for at most 30 s.
            var drain = Stopwatch.StartNew();
            await repairLog.ReadAsync(CancellationToken.None);
            while (ledger.Unrepaired() > 0 && drain.Elapsed < TimeSpan.FromSeconds(DrainSeconds))
            {
                await Task.Delay(250);
                await repairLog.ReadAsync(CancellationToken.None);
            }

            var drained = drain.Elapsed.TotalSeconds;
            var handledAtEnd = Handled(hosts);

            // The proof that nothing was missed: both tables compared row by row, while the run still runs, until they
            // are equal or the drain time is up (what the ledger cannot see, such as a row the repair wrote twice, shows here).
            var differing = await BenchDatabase.CountDifferencesAsync(server);
            while (differing > 0 && drain.Elapsed < TimeSpan.FromSeconds(2 * DrainSeconds))
            {
                await Task.Delay(1000);
                differing = await BenchDatabase.CountDifferencesAsync(server);
            }

            var equalAfter = drain.Elapsed.TotalSeconds;
            await stop.CancelAsync();
            await watching;
            await scheduler.StopAsync(RunKind.Incremental, CancellationToken.None);
            await repairLog.ReadAsync(CancellationToken.None);
            if (cluster is not null)
            {
                Console.WriteLine($"kafka: the mock broker's own process holds {cluster.WorkingSetMb():F0} MB (every message of its topics; not counted above)");
            }

            return Summarize(options, load, run, windows, written, drained, (differing, equalAfter), instances,
                (handledAtLoadEnd - handledAtStart) / ((loadEndMs - startMs) / 1000.0),
                (handledAtEnd - handledAtStart) / ((IncrementalLoad.Now() - startMs) / 1000.0));
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.StopAsync();
                host.Dispose();
            }

            MySqlConnection.ClearAllPools();
            dataDirectory.Delete(recursive: true);
        }
    }

    private sealed record WindowLine(int EndSecond, double WritesPerSecond, double RepairedPerSecond, long Unrepaired, long Outbox, long RepairQueue, long Suspects, long CursorLagMs, double WorkingSetMb, double Load);

    /// <summary>Every 5 s: reads the repair log, prints the window's line; until stopped.</summary>
    private static async Task WatchAsync(
        List<IHost> hosts, ValidationRun run, WriteLedger ledger, RepairLogReader repairLog, CpuClock cpu, long startMs, List<WindowLine> windows, CancellationToken stop)
    {
        var outbox = hosts[0].Services.GetRequiredService<IOutboxMonitor>();
        var publisher = hosts[0].Services.GetRequiredService<CountingPublisher>();
        var publishing = publisher.Publishing;
        var cpuAt = cpu.Now();
        var rows = run.RowsChecked;
        var process = Process.GetCurrentProcess();
        var handled = Handled(hosts);
        var from = startMs;
        for (var n = 1; !stop.IsCancellationRequested; n++)
        {
            var end = startMs + n * WindowSeconds * 1000L;
            try
            {
                while (IncrementalLoad.Now() < end)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1_000, Math.Max(1, end - IncrementalLoad.Now()))), stop);
                    await repairLog.ReadAsync(stop);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var w = ledger.Window(from, end);
            var nowHandled = Handled(hosts);
            var status = await outbox.GetAsync(CancellationToken.None);
            var queue = hosts.Sum(h => h.Services.GetRequiredService<IRepairMonitor>().Snapshot().Pending);
            var suspects = run.Tables.Sum(t => t.SuspectsPending);
            var lag = run.Tables.Max(t => t.CursorLagMs) ?? 0;
            process.Refresh();
            var line = new WindowLine(n * WindowSeconds, w.Acked / (double)WindowSeconds, (nowHandled - handled) / (double)WindowSeconds,
                w.Unrepaired, status.Pending, queue, suspects, lag, process.WorkingSet64 / 1048576.0, Load1());
            windows.Add(line);
            handled = nowHandled;
            var (cpuNow, publishNow, rowsNow) = (cpu.Now(), publisher.Publishing, run.RowsChecked);
            var published = publishNow.Events - publishing.Events;
            var cpuLine = string.Create(CultureInfo.InvariantCulture,
                $"         cpu: bench process {(cpuNow.Own - cpuAt.Own) / WindowSeconds * 100:F0} %, server {(cpuNow.Server - cpuAt.Server) / WindowSeconds * 100:F0} % (of {Environment.ProcessorCount * 100} %); " +
                $"validation {(rowsNow - rows) / (double)WindowSeconds:N0} rows checked/s, {published / (double)WindowSeconds:N0} events published/s, " +
                $"{(publishNow.Elapsed - publishing.Elapsed).TotalMilliseconds / WindowSeconds / 10:F0} % of the time in the publish ({(published == 0 ? 0 : (publishNow.Elapsed - publishing.Elapsed).TotalMilliseconds / published * 1000):F0} ms per 1,000 events)");
            (cpuAt, publishing, rows) = (cpuNow, publishNow, rowsNow);
            from = end;
            var deletes = w.DeleteDetected.Count + w.DeleteRepaired.Count > 0
                ? string.Create(CultureInfo.InvariantCulture, $"  deletes detected {w.DeleteDetected.Count:N0}, repaired {w.DeleteRepaired.Count:N0}")
                : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {line.EndSecond,4} s  writes {line.WritesPerSecond,7:N0}/s  detected {Pair(w.Detected)}  repaired {Pair(w.Repaired)}  " +
                $"repairs {line.RepairedPerSecond,6:N0}/s  backlog: unrepaired {line.Unrepaired,7:N0}, outbox {line.Outbox,6:N0}, repair queue {line.RepairQueue,6:N0}, suspects {line.Suspects,5:N0}, cursor lag {line.CursorLagMs,5:N0} ms  " +
                $"ws {line.WorkingSetMb:F0} MB  gc {GC.GetTotalMemory(false) / 1048576.0:F0} MB  load {line.Load:F1}{deletes}"));
            Console.WriteLine(cpuLine);
        }

        static string Pair(List<double> samples)
        {
            samples.Sort();
            return samples.Count == 0
                ? "p50      - p99      -"
                : string.Create(CultureInfo.InvariantCulture, $"p50 {WriteLedger.Percentile(samples, 0.5),6:F0} p99 {WriteLedger.Percentile(samples, 0.99),6:F0} ms");
        }
    }

    private static Outcome Summarize(
        BenchOptions options, IncrementalLoad load, ValidationRun run, List<WindowLine> windows, double written, double drained, (long Rows, double AfterSeconds) differing, int instances,
        double repairedPerSecond, double repairedPerSecondToEnd)
    {
        var ledger = load.Ledger;
        var (updates, inserts, deletes) = (ledger.CountAcked(WriteKind.Update), ledger.CountAcked(WriteKind.Insert), ledger.CountAcked(WriteKind.Delete));
        var total = updates + inserts + deletes;
        var achieved = total / written;
        var (detected, repaired, _, vanished, covered) = ledger.Delays(deletes: false);
        var (deleteDetected, deleteRepaired, _, deletesVanished, deletesCovered) = ledger.Delays(deletes: true);
        detected.Sort();
        repaired.Sort();
        var detectedP99 = WriteLedger.Percentile(detected, 0.99);
        var repairedP99 = WriteLedger.Percentile(repaired, 0.99);
        var deletesSeen = deleteDetected.Count(d => !double.IsPositiveInfinity(d));
        var deletesRepaired = deleteRepaired.Count(d => !double.IsPositiveInfinity(d));

        // Trends over the windows after the first (which starts from nothing): least-squares slopes per second.
        var steady = windows.Where(w => w.EndSecond > WindowSeconds && w.EndSecond <= options.Seconds).ToList();
        var backlogSlope = Slope(steady, w => w.Unrepaired);
        var outboxSlope = Slope(steady, w => w.Outbox + w.RepairQueue);
        var memorySlope = Slope(steady, w => w.WorkingSetMb);
        var memoryFirst = steady.Count > 0 ? steady[0].WorkingSetMb : 0;
        var memoryGrowth = memorySlope * options.Seconds;
        var loads = windows.Select(w => w.Load).DefaultIfEmpty(0).ToArray();

        Console.WriteLine(FormattableString.Invariant($"""
            writes acknowledged: {total:N0} in {written:F1} s = {achieved:N0}/s (target {options.WritesPerSecond:N0}/s{(achieved >= options.WritesPerSecond * 0.99 ? "" : ": FELL SHORT")}); {updates:N0} updates, {inserts:N0} inserts, {deletes:N0} deletes; {load.Failures} failed round trips
            run: {run.RowsChecked:N0} rows checked, {run.EventsPublished:N0} events, {run.Errors} errors
            write → detected (updates + inserts): {WriteLedger.Percentiles(detected)}; {detected.Count(double.IsPositiveInfinity):N0} never detected; {covered:N0} found through a later event of their row (counted when it was repaired)
            write → repaired (updates + inserts): {WriteLedger.Percentiles(repaired)}; {ledger.Unrepaired():N0} never repaired {drained:F1} s after the load ended
            deletes: {(deletesSeen == 0 ? $"{deletes:N0} written, not detected (no journal)" : $"{deletesSeen:N0} of {deletes - deletesVanished:N0} detected ({deletesCovered:N0} through another event of their row): {WriteLedger.Percentiles(deleteDetected)}")}; repaired {deletesRepaired:N0}{(deletesRepaired > 0 ? $": {WriteLedger.Percentiles(deleteRepaired)}" : "")}
            never on the target, nothing to detect or repair: {vanished:N0} inserts/updates and {deletesVanished:N0} deletes of rows the load inserted and deleted again before validation copied them
            both tables compared row by row after the load: {(differing.Rows == 0 ? "equal" : $"{differing.Rows:N0} rows still DIFFER")} {differing.AfterSeconds:F1} s after it ended
            repair: {repairedPerSecond:N0} rows/s while writing, {repairedPerSecondToEnd:N0} rows/s until drained ({instances} instance(s))
            backlog trend: unrepaired {backlogSlope:+0;-0} rows/s, outbox + repair queue {outboxSlope:+0;-0} events/s; memory: working set {memoryFirst:F0} MB at {WindowSeconds * 2} s, trend {memorySlope * 60:+0.0;-0.0} MB/min, peak {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0} MB
            load average during the run: {loads.Min():F1}–{loads.Max():F1}
            """));

        var misses = new List<string>();
        void Target(bool met, string what)
        {
            if (!met)
            {
                misses.Add(what);
            }
        }

        Target(achieved >= options.WritesPerSecond * 0.99, $"write rate {achieved:N0}/s < {options.WritesPerSecond:N0}/s");
        Target(detectedP99 <= 1_000, $"detected p99 {WriteLedger.Ms(detectedP99)} > 1 s");
        Target(repairedP99 <= 2_000, $"repaired p99 {WriteLedger.Ms(repairedP99)} > 2 s");
        Target(deletes == 0 || deletesSeen == deletes - deletesVanished, $"deletes detected {deletesSeen:N0} of {deletes - deletesVanished:N0}");
        Target(differing.Rows == 0, $"{differing.Rows:N0} rows differ {differing.AfterSeconds:F0} s after the load");
        // The repair keeps up when the backlog grows by less than 1 % of the write rate.
        Target(backlogSlope <= options.WritesPerSecond * 0.01, string.Create(CultureInfo.InvariantCulture, $"backlog grows {backlogSlope:N0} rows/s"));
        Target(memoryGrowth <= Math.Max(20, memoryFirst * 0.10), string.Create(CultureInfo.InvariantCulture, $"memory grows {memoryGrowth:F0} MB over {options.Seconds} s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"summary: writes {achieved:N0}/s of {options.WritesPerSecond:N0}; detected p50 {WriteLedger.Ms(WriteLedger.Percentile(detected, 0.5))} p99 {WriteLedger.Ms(detectedP99)}; " +
            $"repaired p50 {WriteLedger.Ms(WriteLedger.Percentile(repaired, 0.5))} p99 {WriteLedger.Ms(repairedP99)}; deletes detected {deletesSeen:N0}/{deletes - deletesVanished:N0}; " +
            $"backlog {backlogSlope:+0;-0} rows/s; memory {memoryGrowth:+0;-0} MB over the run; repair {repairedPerSecond:N0} rows/s ({instances} instance(s)); " +
            $"load {loads.Min():F1}–{loads.Max():F1}"));
        Console.WriteLine(misses.Count == 0 ? "result: every target met" : $"result: targets MISSED: {string.Join("; ", misses)}");
        return new Outcome(misses.Count == 0, repairedPerSecond, repairedPerSecondToEnd, backlogSlope <= options.WritesPerSecond * 0.01);
    }

    private static double Slope(List<WindowLine> points, Func<WindowLine, double> y)
    {
        if (points.Count < 2)
        {
            return 0;
        }

        var mx = points.Average(p => (double)p.EndSecond);
        var my = points.Average(y);
        var sxy = points.Sum(p => (p.EndSecond - mx) * (y(p) - my));
        var sxx = points.Sum(p => (p.EndSecond - mx) * (p.EndSecond - mx));
        return sxx == 0 ? 0 : sxy / sxx;
    }

    /// <summary>Events the repair has handled in all hosts (whatever the outcome).</summary>
    private static long Handled(List<IHost> hosts) => hosts.Sum(h =>
    {
        var c = h.Services.GetRequiredService<IRepairMonitor>().Snapshot();
        return c.Upserted + c.Deleted + c.Unchanged + c.Conflicts + c.GaveUp;
    });

    private static Dictionary<string, string?> Settings(BenchOptions options, string server, string dataDirectory, MockBrokerProcess? cluster, string topic)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Migration:Source:Provider"] = "MySql",
            ["Migration:Source:ConnectionString"] = BenchDatabase.For(server, BenchDatabase.SourceDatabase),
            ["Migration:Target:Provider"] = "MySql",
            ["Migration:Target:ConnectionString"] = BenchDatabase.For(server, BenchDatabase.TargetDatabase),
            ["Migration:DataDirectory"] = dataDirectory,
            ["Migration:Seed:Enabled"] = "false",
            ["Migration:Validation:BatchSize"] = options.BatchSize.ToString(CultureInfo.InvariantCulture),
        };
        if (options.Control == "mysql")
        {
            // Shared by the instances, as in production: the outbox, the differences, the heartbeats.
            settings["Migration:Control:Provider"] = "MySql";
            settings["Migration:Control:ConnectionString"] = BenchDatabase.For(server, ControlDatabase);
        }

        if (options.ChangeCapture)
        {
            settings[ChangeCaptureKey()] = "Triggers";
        }

        if (cluster is not null)
        {
            settings["Migration:Kafka:BootstrapServers"] = cluster.BootstrapServers;
            settings["Migration:Kafka:Topic"] = topic;
            settings["Migration:Kafka:GroupId"] = topic + "-repair";
            settings["Migration:Outbox:PollIntervalMs"] = "100";
            // The mock coordinator waits the session timeout less 1 s for members to rejoin when one joins.
            settings["Migration:Kafka:Consumer:session.timeout.ms"] = "3000";
            settings["Migration:Kafka:Consumer:heartbeat.interval.ms"] = "500";
            settings["Migration:Kafka:Consumer:fetch.wait.max.ms"] = "100";
        }

        foreach (var (key, value) in options.Settings)
        {
            settings[key] = value;
        }

        return settings;
    }

    private static IHost Build(Dictionary<string, string?> settings, string instanceId, string roles, WriteLedger? ledger)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Migration:InstanceId"] = instanceId,
            ["Migration:Roles"] = roles,
        });
        builder.Services.AddApplication().AddInfrastructure(builder.Configuration);
        if (ledger is not null)
        {
            // Detected = when the run's publish (difference stored, event in the outbox) has returned.
            builder.Services.AddSingleton(sp => new CountingPublisher(ActivatorUtilities.CreateInstance<OutboxInconsistencyPublisher>(sp), events =>
            {
                var now = IncrementalLoad.Now();
                foreach (var e in events)
                {
                    if (e.Key.AsInt64 is { } id)
                    {
                        ledger.Detected(id, e.DetectedAt.ToUnixTimeMilliseconds(), now);
                    }
                }
            }));
            builder.Services.AddSingleton<IInconsistencyPublisher>(sp => sp.GetRequiredService<CountingPublisher>());
        }

        return builder.Build();
    }

    private static async Task WaitForAssignmentAsync(List<IHost> hosts, int partitions)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            var snapshots = hosts.Select(h => h.Services.GetRequiredService<IRepairConsumerMonitor>().Snapshot()).ToArray();
            var assigned = snapshots.Select(s => s?.AssignedPartitions.Count ?? 0).ToArray();
            if (assigned.Sum() == partitions && assigned.All(a => a > 0))
            {
                Console.WriteLine($"kafka: partitions assigned {string.Join(" + ", assigned)} after {deadline.Elapsed.TotalSeconds:F1} s");
                return;
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException("The repair consumers were not assigned the topic's partitions within 60 s.");
    }

    /// <summary>
    /// <c>Migration:ChangeCapture</c> when the option is a value, or <c>Migration:ChangeCapture:&lt;Mode&gt;</c> when it is
    /// a section whose enum property has a <c>Triggers</c> value; the plain key where the service has no such option
    /// (it is then ignored).
    /// </summary>
    private static string ChangeCaptureKey()
    {
        var property = typeof(MigrationOptions).GetProperty("ChangeCapture");
        if (property is null || property.PropertyType.IsEnum || property.PropertyType == typeof(string))
        {
            return "Migration:ChangeCapture";
        }

        var mode = property.PropertyType.GetProperties().FirstOrDefault(p => p.PropertyType.IsEnum && Enum.GetNames(p.PropertyType).Contains("Triggers"));
        return mode is null ? "Migration:ChangeCapture" : $"Migration:ChangeCapture:{mode.Name}";
    }

    private static string ChangeCaptureSupport() =>
        typeof(MigrationOptions).GetProperty("ChangeCapture") is null
            ? "this build has no Migration:ChangeCapture; the setting is passed and ignored, so source deletes are not journalled"
            : $"{ChangeCaptureKey()}=Triggers";

    private static string CpuModel() =>
        File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown"
            : "unknown";

    private static double Load1() =>
        File.Exists("/proc/loadavg") && double.TryParse(File.ReadAllText("/proc/loadavg").Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var l) ? l : double.NaN;
}
