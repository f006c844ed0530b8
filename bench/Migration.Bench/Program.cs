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

await using var privateServer = options.MySql is null ? await MariaDbServer.StartAsync(bufferPoolMb: 1024) : null;
var server = options.MySql ?? privateServer!.ConnectionString;
var setup = Stopwatch.StartNew();
await BenchDatabase.CreateAsync(server, options.Rows);
var planted = await BenchDatabase.PlantAsync(server, options);
Console.WriteLine($"setup: {options.Rows:N0} rows per side, planted {planted.TargetMissing.Count} target_missing / {planted.Neq.Count} neq / {planted.BaseMissing.Count} base_missing ({(options.Clustered ? "clustered" : "scattered")}) in {setup.Elapsed.TotalSeconds:F1} s");

var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["Migration:Source:Provider"] = "MySql",
    ["Migration:Source:ConnectionString"] = BenchDatabase.For(server, BenchDatabase.SourceDatabase),
    ["Migration:Target:Provider"] = "MySql",
    ["Migration:Target:ConnectionString"] = BenchDatabase.For(server, BenchDatabase.TargetDatabase),
    ["Migration:DataDirectory"] = Path.Combine(Path.GetTempPath(), "migration-bench"),
    ["Migration:Seed:Enabled"] = "false",
    ["Migration:Validation:BatchSize"] = options.BatchSize.ToString(CultureInfo.InvariantCulture),
    ["Migration:Validation:ChunkRows"] = (options.Mode == "full-rows" ? 0 : options.ChunkRows).ToString(CultureInfo.InvariantCulture),
    ["Migration:Validation:Parallelism"] = options.Parallelism.ToString(CultureInfo.InvariantCulture),
});
builder.Services.AddApplication().AddInfrastructure(builder.Configuration);
builder.Services.AddSingleton(new CountingPublisher(null));
builder.Services.AddSingleton<IInconsistencyPublisher>(sp => sp.GetRequiredService<CountingPublisher>());
using var host = builder.Build();

var validator = host.Services.GetRequiredService<ITableValidator>();
var publisher = host.Services.GetRequiredService<CountingPublisher>();
var run = new ValidationRun(Guid.NewGuid(), RunKind.Full, validator.Table, Direction.Src, 0, 0, TimeProvider.System.GetUtcNow());

// Open one connection per side first, so the figure is the validation, not the first TCP handshake.
await host.Services.GetRequiredService<Migration.Infrastructure.Validation.TableReader>().RefreshSchemaAsync(CancellationToken.None);

var clock = Stopwatch.StartNew();
await validator.RunAsync(run, CancellationToken.None);
var seconds = clock.Elapsed.TotalSeconds;
var peakMb = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);

var found = (TargetMissing: publisher.IdsOf(InconsistencyType.TargetMissing), Neq: publisher.IdsOf(InconsistencyType.Neq), BaseMissing: publisher.IdsOf(InconsistencyType.BaseMissing));
Console.WriteLine($"mode: {options.Mode}, batch {options.BatchSize}, chunk {(options.Mode == "full-rows" ? 0 : options.ChunkRows)}, parallelism {options.Parallelism}");
Console.WriteLine($"rows per side: {options.Rows:N0} (source {options.Rows - planted.BaseMissing.Count:N0}, target {options.Rows - planted.TargetMissing.Count:N0}), rows checked: {run.RowsChecked:N0}");
Console.WriteLine($"seconds: {seconds:F3}");
Console.WriteLine($"rows/s: {run.RowsChecked / seconds:N0}");
Console.WriteLine($"peak memory: {peakMb:F0} MB");
Console.WriteLine($"target_missing: found {found.TargetMissing.Count} / planted {planted.TargetMissing.Count}");
Console.WriteLine($"neq:            found {found.Neq.Count} / planted {planted.Neq.Count}");
Console.WriteLine($"base_missing:   found {found.BaseMissing.Count} / planted {planted.BaseMissing.Count}");

var exact = found.TargetMissing.SetEquals(planted.TargetMissing) && found.Neq.SetEquals(planted.Neq) && found.BaseMissing.SetEquals(planted.BaseMissing)
    && publisher.Events.Count == planted.TargetMissing.Count + planted.Neq.Count + planted.BaseMissing.Count;
Console.WriteLine(exact ? "result: every planted difference found, nothing else reported" : "result: MISMATCH between found and planted");
return exact ? 0 : 1;
