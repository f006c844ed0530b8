using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Migration.Application.Abstractions;
using Migration.Domain;
using Migration.Domain.Inconsistencies;
using Migration.Domain.Runs;
using Migration.Domain.Tables;

namespace Migration.Bench;

/// <summary>
/// The schema benchmark (issue 12): a full validation of every table of <see cref="SchemaDatabase"/> with the
/// service's default settings, checked table by table against the planted drift, then pt-table-sync over the same
/// tables, checked the same way, and the ratio of the two.
/// </summary>
internal static class SchemaBench
{
    /// <summary>The configuration entries of <c>Migration:Tables</c> for the schema.</summary>
    public static IEnumerable<KeyValuePair<string, string?>> Configuration() =>
        SchemaDatabase.Tables.SelectMany((t, i) => new[]
        {
            new KeyValuePair<string, string?>($"Migration:Tables:{i}:Name", t.Name),
            new KeyValuePair<string, string?>($"Migration:Tables:{i}:VersionColumn", t.VersionColumn),
        }.Where(e => e.Value is not null));

    public static async Task<int> RunAsync(
        IHost host, BenchOptions options, string server, CpuClock cpu, Dictionary<string, PlantedKeys> planted)
    {
        var validator = host.Services.GetRequiredService<ITableValidator>();
        var publisher = host.Services.GetRequiredService<CountingPublisher>();

        // Read the schemas (one connection per side) first, so the figure is the validation, not the first TCP handshake.
        var catalog = await host.Services.GetRequiredService<ITableCatalog>().ResolveAsync(CancellationToken.None);
        var exact = true;
        var seconds = new List<double>();
        var cpuSeconds = new List<double>();
        for (var i = 1; i <= options.Runs; i++)
        {
            publisher.Events.Clear();
            var run = new ValidationRun(Guid.NewGuid(), RunKind.Full, Direction.Src, 0, 0, TimeProvider.System.GetUtcNow());
            var before = cpu.Now();
            var clock = Stopwatch.StartNew();
            await validator.RunAsync(run, CancellationToken.None);
            seconds.Add(clock.Elapsed.TotalSeconds);
            var after = cpu.Now();
            cpuSeconds.Add(after.Own - before.Own + (after.Server - before.Server));
            Console.WriteLine();
            Console.WriteLine($"validation run {i} of {options.Runs}{(i == 1 ? " (fresh process: JIT included)" : "")}: " +
                "every table, defaults (ChunkRows 1000, Parallelism 2, TablesInParallel 2)");
            Console.WriteLine($"  {"table",-12} {"rows",10} {"seconds",8} {"rows/s",10}  {"target_missing",14} {"neq",9} {"base_missing",12}  strategy");
            foreach (var table in SchemaDatabase.Tables)
            {
                var progress = run.Find(table.Name);
                var expected = planted[table.Name];
                var found = new PlantedKeys(
                    publisher.KeysOf(table.Name, InconsistencyType.TargetMissing),
                    publisher.KeysOf(table.Name, InconsistencyType.Neq),
                    publisher.KeysOf(table.Name, InconsistencyType.BaseMissing));
                var tableSeconds = progress is { StartedAt: { } s, EndedAt: { } e } ? (e - s).TotalSeconds : double.NaN;
                var ok = progress?.Status == TableRunStatus.Completed && Same(found, expected);
                exact &= ok;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {table.Name,-12} {progress?.RowsChecked ?? 0,10:N0} {tableSeconds,8:F2} {(progress?.RowsChecked ?? 0) / tableSeconds,10:N0}  " +
                    $"{Ratio(found.TargetMissing, expected.TargetMissing),14} {Ratio(found.Neq, expected.Neq),9} {Ratio(found.BaseMissing, expected.BaseMissing),12}  " +
                    $"{Strategy(catalog.Find(table.Name))}{(ok ? "" : $"  MISMATCH{(progress?.LastError is { } error ? $": {error}" : "")}")}"));
            }

            var unexpected = publisher.Events.Count(e => !planted.ContainsKey(e.Table));
            exact &= unexpected == 0 && publisher.Events.Count == planted.Values.Sum(p => p.Count);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {"total",-12} {run.RowsChecked,10:N0} {seconds[^1],8:F2} {run.RowsChecked / seconds[^1],10:N0}  " +
                $"{publisher.Events.Count:N0} differences reported, {planted.Values.Sum(p => p.Count):N0} planted"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  CPU: this process {after.Own - before.Own:F1} s, the server {after.Server - before.Server:F1} s; load average {BenchDatabase.LoadAverage()}"));
        }

        // The peak before pt-table-sync runs: its output is read in this process.
        var peakMb = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak memory (working set of this process, setup included): {peakMb:F0} MB"));
        Console.WriteLine(exact ? "result: every planted difference found in every table, nothing else reported" : "result: MISMATCH between found and planted");

        if (options.PtTableSync)
        {
            exact &= await RunPtTableSyncAsync(server, cpu, planted, seconds, cpuSeconds);
        }

        return exact ? 0 : 1;
    }

    private static async Task<bool> RunPtTableSyncAsync(string server, CpuClock cpu, Dictionary<string, PlantedKeys> planted, List<double> ours, List<double> oursCpu)
    {
        var version = await PtTableSync.VersionAsync();
        Console.WriteLine();
        if (version is null)
        {
            Console.WriteLine("pt-table-sync: not installed (Debian: apt-get install percona-toolkit); skipped");
            return false;
        }

        Console.WriteLine($"{version} --print --verbose, source database → target database, one table after another, its default algorithm:");
        Console.WriteLine($"  {"table",-12} {"seconds",8} {"algorithm",-9} {"exit",4}  {"INSERT",13} {"UPDATE",13} {"DELETE",13}  keys as planted");
        var results = new List<PtTableResult>();
        var start = cpu.Now();
        foreach (var table in SchemaDatabase.Tables)
        {
            var result = await PtTableSync.RunAsync(server, table);
            results.Add(result);
            var expected = planted[table.Name];
            var same = Same(result.Keys, expected) && result.Replaced.Count == 0 && result.Unreadable == 0;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {table.Name,-12} {result.Seconds,8:F2} {result.Algorithm,-9} {result.ExitCode,4}  " +
                $"{Ratio(result.Keys.TargetMissing, expected.TargetMissing),13} {Ratio(result.Keys.Neq, expected.Neq),13} {Ratio(result.Keys.BaseMissing, expected.BaseMissing),13}  " +
                $"{(same ? "yes" : $"NO ({Describe(result, expected)})")}"));
            if (result.ExitCode is not (0 or 2) || !string.IsNullOrWhiteSpace(result.Errors) && !same)
            {
                Console.WriteLine($"    {result.Errors.ReplaceLineEndings("\n    ")[..Math.Min(result.Errors.Length, 600)]}");
            }
        }

        var end = cpu.Now();
        var theirs = results.Sum(r => r.Seconds);
        var theirsCpu = end.Children - start.Children + (end.Server - start.Server);
        var agreeing = results.Where(r => Same(r.Keys, planted[r.Table]) && r.Replaced.Count == 0 && r.Unreadable == 0).Select(r => r.Table).ToHashSet();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"total",-12} {theirs,8:F2}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  CPU: pt-table-sync {end.Children - start.Children:F1} s, the server {end.Server - start.Server:F1} s; load average {BenchDatabase.LoadAverage()}"));
        var later = ours.Count > 1 ? string.Create(CultureInfo.InvariantCulture, $", {theirs / ours[^1]:F1}× (run {ours.Count}, {ours[^1]:F2} s)") : "";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ratio pt-table-sync / this service, all tables: {theirs / ours[0]:F1}× (validation run 1, {ours[0]:F2} s){later}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ratio of CPU seconds (client + server), pt-table-sync / this service: {theirsCpu / oursCpu[0]:F1}× (run 1){(oursCpu.Count > 1 ? string.Create(CultureInfo.InvariantCulture, $", {theirsCpu / oursCpu[^1]:F1}× (run {oursCpu.Count})") : "")}"));
        if (agreeing.Count < results.Count)
        {
            var right = results.Where(r => agreeing.Contains(r.Table)).Sum(r => r.Seconds);
            Console.WriteLine($"pt-table-sync did not find the planted differences exactly in: {string.Join(", ", results.Select(r => r.Table).Where(t => !agreeing.Contains(t)))}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ratio with only the tables pt-table-sync got right on its side ({right:F2} s) against this service on all of them: {right / ours[0]:F1}× (run 1)"));
        }

        return true;
    }

    private static bool Same(PlantedKeys found, PlantedKeys expected) =>
        found.TargetMissing.SetEquals(expected.TargetMissing) && found.Neq.SetEquals(expected.Neq) && found.BaseMissing.SetEquals(expected.BaseMissing);

    private static string Ratio(HashSet<string> found, HashSet<string> planted) =>
        found.SetEquals(planted) ? $"{found.Count}/{planted.Count}" : $"{found.Count}/{planted.Count}!{found.Intersect(planted).Count()}";

    private static string Describe(PtTableResult result, PlantedKeys expected)
    {
        var all = expected.TargetMissing.Concat(expected.Neq).Concat(expected.BaseMissing).ToHashSet();
        var printed = result.Keys.TargetMissing.Concat(result.Keys.Neq).Concat(result.Keys.BaseMissing).Concat(result.Replaced).ToHashSet();
        return string.Create(CultureInfo.InvariantCulture,
            $"{result.Statements:N0} statements, {result.Unreadable:N0} without a readable key, {all.Intersect(printed).Count()} of {all.Count} planted keys among them, " +
            $"{printed.Except(all).Count():N0} other keys");
    }

    private static string Strategy(TableSpec? table) => table switch
    {
        null => "not resolved",
        { HasSingleIntegerKey: true } when table.Key[0].Kind == ColumnKind.Integer => "checksums, arithmetic chunks",
        _ => "checksums, chunks walked on the key",
    };
}
