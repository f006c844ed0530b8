using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Migration.Application;
using Migration.Application.Abstractions;
using Migration.Bench;
using Migration.Domain;
using Migration.Domain.Inconsistencies;
using Migration.Domain.Runs;
using Migration.Infrastructure;
using Migration.Testing;

if (args is [MockBrokerProcess.Argument, var brokers])
{
    return MockBrokerProcess.Serve(int.Parse(brokers, CultureInfo.InvariantCulture));
}

if (args is ["--help"] or ["-h"])
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

await using var privateServer = options.MySql is null ? await MariaDbServer.StartAsync(bufferPoolMb: options.BufferPoolMb) : null;
var server = options.MySql ?? privateServer!.ConnectionString;
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");
if (options.Mode == "incremental")
{
    return await IncrementalBench.RunAsync(options, server, new CpuClock(privateServer?.ProcessId));
}

var schema = options.Mode == "schema";
var setup = Stopwatch.StartNew();
var planted = new PlantedDrift([], [], []);
var schemaRows = SchemaDatabase.RowsPerTable(options.RowsTotal);
var schemaPlanted = new Dictionary<string, PlantedKeys>();
if (schema)
{
    if (options.Setup)
    {
        await SchemaDatabase.CreateAsync(server, schemaRows);
    }

    schemaPlanted = await SchemaDatabase.PlantAsync(server, schemaRows, options.DriftPerMillion, apply: options.Setup);
    await SchemaDatabase.SettleAsync(server);
    Console.WriteLine($"server: {await BenchDatabase.ServerVersionAsync(server)}, buffer pool {(options.MySql is null ? $"{options.BufferPoolMb} MB" : "as configured")}; load average {BenchDatabase.LoadAverage()}");
    Console.WriteLine($"setup: {SchemaDatabase.Tables.Count} tables, {options.RowsTotal:N0} rows per side in all ({await SchemaDatabase.SizeMbAsync(server):N0} MB data and indexes, both sides), " +
        $"planted {schemaPlanted.Values.Sum(p => p.Count):N0} differences (scattered) in {setup.Elapsed.TotalSeconds:F1} s");
    foreach (var table in SchemaDatabase.Tables)
    {
        var p = schemaPlanted[table.Name];
        Console.WriteLine($"  {table.Name,-12} {schemaRows[table.Name],10:N0} rows  {p.TargetMissing.Count,4} missing / {p.Neq.Count,4} changed / {p.BaseMissing.Count,4} extra  {table.Shape}");
    }
}
else
{
    await BenchDatabase.CreateAsync(server, options.Rows);
    planted = await BenchDatabase.PlantAsync(server, options);
    await BenchDatabase.SettleAsync(server);
    Console.WriteLine($"setup: {options.Rows:N0} rows per side, planted {planted.TargetMissing.Count} target_missing / {planted.Neq.Count} neq / {planted.BaseMissing.Count} base_missing ({(options.Clustered ? "clustered" : "scattered")}) in {setup.Elapsed.TotalSeconds:F1} s");
}

// The control database and its outbox live here for the run, and go with it.
var dataDirectory = Directory.CreateTempSubdirectory("migration-bench-");
var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["Migration:Source:Provider"] = "MySql",
    ["Migration:Source:ConnectionString"] = BenchDatabase.For(server, BenchDatabase.SourceDatabase),
    ["Migration:Target:Provider"] = "MySql",
    ["Migration:Target:ConnectionString"] = BenchDatabase.For(server, BenchDatabase.TargetDatabase),
    ["Migration:DataDirectory"] = dataDirectory.FullName,
    ["Migration:Seed:Enabled"] = "false",
    ["Migration:Validation:BatchSize"] = options.BatchSize.ToString(CultureInfo.InvariantCulture),
    ["Migration:Validation:ChunkRows"] = (options.Mode == "full-rows" ? 0 : options.ChunkRows).ToString(CultureInfo.InvariantCulture),
    ["Migration:Validation:Parallelism"] = options.Parallelism.ToString(CultureInfo.InvariantCulture),
});
if (schema)
{
    builder.Configuration.AddInMemoryCollection(SchemaBench.Configuration());
}

builder.Services.AddApplication().AddInfrastructure(builder.Configuration);
// Full runs count what validation reports (and repair nothing).
builder.Services.AddSingleton(sp => new CountingPublisher(null));
builder.Services.AddSingleton<IInconsistencyPublisher>(sp => sp.GetRequiredService<CountingPublisher>());
try
{
    using var host = builder.Build();
    return schema ? await SchemaBench.RunAsync(host, options, server, new CpuClock(privateServer?.ProcessId), schemaPlanted)
        : await RunFullAsync(host);
}
finally
{
    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    dataDirectory.Delete(recursive: true);
}

async Task<int> RunFullAsync(IHost host)
{
    var validator = host.Services.GetRequiredService<ITableValidator>();
    var publisher = host.Services.GetRequiredService<CountingPublisher>();
    var run = new ValidationRun(Guid.NewGuid(), RunKind.Full, Direction.Src, 0, 0, TimeProvider.System.GetUtcNow());

    // Read the schemas (one connection per side) first, so the figure is the validation, not the first TCP handshake.
    await host.Services.GetRequiredService<ITableCatalog>().ResolveAsync(CancellationToken.None);

    // The service is long-running: later runs show the speed once the JIT has compiled the hot paths.
    var clock = Stopwatch.StartNew();
    await validator.RunAsync(run, CancellationToken.None);
    var seconds = clock.Elapsed.TotalSeconds;
    for (var i = 2; i <= options.Runs; i++)
    {
        Console.WriteLine($"run {i - 1}: {seconds:F3} s");
        publisher.Events.Clear();
        run = new ValidationRun(Guid.NewGuid(), RunKind.Full, Direction.Src, 0, 0, TimeProvider.System.GetUtcNow());
        clock.Restart();
        await validator.RunAsync(run, CancellationToken.None);
        seconds = clock.Elapsed.TotalSeconds;
    }

    var found = (TargetMissing: publisher.IdsOf(InconsistencyType.TargetMissing), Neq: publisher.IdsOf(InconsistencyType.Neq), BaseMissing: publisher.IdsOf(InconsistencyType.BaseMissing));
    Console.WriteLine($"mode: {options.Mode}, batch {options.BatchSize}, chunk {(options.Mode == "full-rows" ? 0 : options.ChunkRows)}, parallelism {options.Parallelism}");
    Console.WriteLine($"rows per side: {options.Rows:N0} (source {options.Rows - planted.BaseMissing.Count:N0}, target {options.Rows - planted.TargetMissing.Count:N0}), rows checked: {run.RowsChecked:N0}");
    Console.WriteLine($"seconds: {seconds:F3}{(options.Runs > 1 ? $" (run {options.Runs})" : "")}");
    Console.WriteLine($"rows/s: {run.RowsChecked / seconds:N0}");
    Console.WriteLine($"peak memory: {PeakMb():F0} MB");
    Console.WriteLine($"target_missing: found {found.TargetMissing.Count} / planted {planted.TargetMissing.Count}");
    Console.WriteLine($"neq:            found {found.Neq.Count} / planted {planted.Neq.Count}");
    Console.WriteLine($"base_missing:   found {found.BaseMissing.Count} / planted {planted.BaseMissing.Count}");

    var exact = found.TargetMissing.SetEquals(planted.TargetMissing) && found.Neq.SetEquals(planted.Neq) && found.BaseMissing.SetEquals(planted.BaseMissing)
        && publisher.Events.Count == planted.TargetMissing.Count + planted.Neq.Count + planted.BaseMissing.Count;
    Console.WriteLine(exact ? "result: every planted difference found, nothing else reported" : "result: MISMATCH between found and planted");
    return exact ? 0 : 1;
}

static double PeakMb() => Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);
