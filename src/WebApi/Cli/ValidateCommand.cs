using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.Logging.Console;
using Migration.Application;
using Migration.Application.Abstractions;
using Migration.Application.Validation;
using Migration.Domain.Runs;
using Migration.Infrastructure;
using Migration.WebApi.Infrastructure;

namespace Migration.WebApi.Cli;

/// <summary>
/// <c>validate [--repair] [--report FILE] [--timeout SECONDS]</c>: one full validation of the configured table, with
/// the service's configuration and without its HTTP server, for a migration pipeline's step. Exits
/// <see cref="Equal"/> when the sides are equal, <see cref="DifferencesRemain"/> when differences remain, and
/// <see cref="Error"/> on an error (a failed start included, with its one-line reason on standard error).
/// Without <c>--repair</c> the run is report-only: it writes to neither side (see <see cref="BuildHost"/>).
/// </summary>
internal static partial class ValidateCommand
{
    public const string Name = "validate";

    public const int Equal = 0;
    public const int DifferencesRemain = 1;
    public const int Error = StartupFailure.ExitCode;

    private static readonly TimeSpan _poll = TimeSpan.FromMilliseconds(200);
    private static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <param name="args">The whole command line, starting with <c>validate</c>; what it does not know (e.g.
    /// <c>--Migration:Source:ConnectionString=…</c>) is configuration, as for the service.</param>
    public static async Task<int> RunAsync(string[] args)
    {
        var repair = new Option<bool>("--repair") { Description = "Repair the differences found (through the configured repair path), wait until every event is repaired, then validate again." };
        var report = new Option<FileInfo?>("--report") { Description = "Write the result as JSON to this file: counts by type, rows checked, time and the differences found." };
        var timeout = new Option<int?>("--timeout") { Description = "Give up after this many seconds (exit 2). Default: no limit." };
        var validate = new Command(Name, "Run one full validation of the configured table and exit: 0 when equal, 1 when differences remain, 2 on error.")
        {
            repair,
            report,
            timeout,
        };
        validate.TreatUnmatchedTokensAsErrors = false;
        validate.SetAction((parsed, cancellationToken) => ExecuteAsync(
            new Request(parsed.GetValue(repair), parsed.GetValue(report), parsed.GetValue(timeout), [.. parsed.UnmatchedTokens]),
            cancellationToken));
        var root = new RootCommand("Table migration: the service (no arguments) or a one-shot command.") { validate };

        var result = root.Parse(args);
        // Configuration may follow (--Migration:Table=orders, --Logging:LogLevel:Default Debug); any other option is a
        // typo that must not run a different command than asked (--repiar would validate without repairing).
        var errors = result.Errors.Select(e => e.Message)
            .Concat(result.UnmatchedTokens.Where(t => t.StartsWith('-') && !t.Contains(':', StringComparison.Ordinal) && !t.Contains('=', StringComparison.Ordinal))
                .Select(t => $"Unrecognized option '{t}'."))
            .ToList();
        if (errors.Count > 0)
        {
            foreach (var error in errors)
            {
                await Console.Error.WriteLineAsync($"validate: {error}");
            }

            return Error;
        }

        return await result.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    }

    private sealed record Request(bool Repair, FileInfo? Report, int? TimeoutSeconds, string[] Configuration);

    private static async Task<int> ExecuteAsync(Request request, CancellationToken cancelled)
    {
        var time = TimeProvider.System;
        var outcome = new Outcome(request.Repair, time.GetUtcNow());
        var findings = new FindingsRecorder();
        IHost host;
        try
        {
            host = BuildHost(request, findings);
        }
        catch (Exception ex)
        {
            // The configuration could not even be read (a file that is not JSON): no host to ask for more.
            outcome.Error = $"Start-up failed: {ex.GetType().Name}: {ex.Message.ReplaceLineEndings(" ")}";
            outcome.ExitCode = Error;
            await Console.Error.WriteLineAsync(outcome.Error);
            await WriteReportAsync(request.Report, outcome, findings, time);
            return Error;
        }

        using var disposeHost = host;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancelled);
        if (request.TimeoutSeconds is { } seconds)
        {
            deadline.CancelAfter(TimeSpan.FromSeconds(seconds));
        }

        var exitCode = Error;
        var startFailure = await StartupFailure.CheckAsync(host) ?? await StartupFailure.StartAsync(host, deadline.Token);
        if (startFailure is not null)
        {
            outcome.Error = startFailure;
        }
        else
        {
            try
            {
                exitCode = await ValidateAsync(host, request, findings, outcome, ProgressView.Create(time), time, deadline.Token);
            }
            catch (Exception ex) when (deadline.IsCancellationRequested)
            {
                outcome.Error = cancelled.IsCancellationRequested ? "cancelled" : $"timed out after {request.TimeoutSeconds} s";
                LogGaveUp(Logger(host), ex);
            }
            catch (Exception ex)
            {
                outcome.Error = $"{ex.GetType().Name}: {ex.Message}";
                LogFailed(Logger(host), ex);
            }
            finally
            {
                await StopAsync(host, time);
            }

            if (outcome.Error is not null)
            {
                exitCode = Error;
                await Console.Error.WriteLineAsync($"validate: {outcome.Error}");
            }
        }

        outcome.ExitCode = exitCode;
        return await WriteReportAsync(request.Report, outcome, findings, time) ? exitCode : Error;
    }

    /// <summary>
    /// The service's own services (<c>AddApplication</c>, <c>AddInfrastructure</c>) without the HTTP server, the pattern
    /// refresher (no heartbeat, no fence moves: this process is not an instance) and, without <c>--repair</c>, without
    /// the outbox relay and the repair consumers. Without <c>--repair</c> the run is report-only (as
    /// <c>"repair": false</c> is for the service): its differences are stored and listed, in the run history as a
    /// report-only run (which proves nothing to the cut-over check while it found differences), nothing goes to the
    /// outbox, no conflict is closed, and nothing is written to either side — nor is an event already waiting repaired
    /// by this process. Logs go to standard error, at warning unless configured otherwise.
    /// </summary>
    private static IHost BuildHost(Request request, FindingsRecorder findings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = request.Configuration,
            EnvironmentName = Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT"),
        });
        QuietLogs(builder);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.AddStartupFailureReport();
        builder.Services.AddApplication();
        builder.Services.AddInfrastructure(builder.Configuration);
        builder.Services.WithoutServing(request.Repair);
        builder.Services.AddSingleton(findings);
        builder.Services.Decorate<IInconsistencyPublisher>((_, inner) => new OneShotPublisher(inner, findings));
        return builder.Build();
    }

    /// <summary>
    /// Standard output carries the progress and the result: logs go to standard error, and at warning by default (a
    /// layer after <c>appsettings*.json</c>, so environment variables and the command line still choose).
    /// </summary>
    private static void QuietLogs(HostApplicationBuilder builder)
    {
        var sources = builder.Configuration.Sources;
        var afterFiles = 0;
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is JsonConfigurationSource)
            {
                afterFiles = i + 1;
            }
        }

        sources.Insert(afterFiles, new MemoryConfigurationSource { InitialData = [new("Logging:LogLevel:Default", "Warning")] });
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    }

    private static async Task<int> ValidateAsync(
        IHost host, Request request, FindingsRecorder findings, Outcome outcome, ProgressView progress, TimeProvider time, CancellationToken cancellationToken)
    {
        var services = host.Services;
        var scheduler = services.GetRequiredService<IValidationScheduler>();
        findings.BeginPass(1);
        var run = await FullRunAsync(scheduler, request.Repair, progress, "Validating", time, cancellationToken);
        outcome.Run = RunDto.From(run, time.GetUtcNow());
        Console.Out.WriteLine(Summary(run));
        var found = Differences(run);
        if (!request.Repair)
        {
            Console.Out.WriteLine(found == 0
                ? "The sides are equal."
                : string.Create(CultureInfo.InvariantCulture, $"{found:N0} difference(s) found; nothing was repaired (run with --repair to repair them)."));
            return found == 0 ? Equal : DifferencesRemain;
        }

        var remaining = 0L;
        if (found > 0)
        {
            await DrainAsync(services.GetRequiredService<IRepairBacklog>(), progress, time, cancellationToken);
            findings.BeginPass(2);
            var check = await FullRunAsync(scheduler, repair: true, progress, "Checking the repair", time, cancellationToken);
            outcome.Verification = RunDto.From(check, time.GetUtcNow());
            Console.Out.WriteLine(Summary(check));
            remaining = Differences(check);
            if (remaining > 0)
            {
                // Repaired too, so the next run finds them gone unless something keeps the rows apart.
                await DrainAsync(services.GetRequiredService<IRepairBacklog>(), progress, time, cancellationToken);
            }
        }

        outcome.OpenConflicts = await services.GetRequiredService<IConflictStore>().CountOpenAsync(cancellationToken);
        outcome.OpenDeadLetters = (await services.GetRequiredService<IDeadLetterStore>().CountAsync(cancellationToken)).Open;
        var equal = remaining == 0 && outcome.OpenConflicts == 0 && outcome.OpenDeadLetters == 0;
        Console.Out.WriteLine(equal
            ? found == 0 ? "The sides are equal." : string.Create(CultureInfo.InvariantCulture, $"{found:N0} difference(s) repaired; a second full pass found none.")
            : string.Create(CultureInfo.InvariantCulture,
                $"Differences remain: {remaining:N0} found by the pass after the repair, {outcome.OpenConflicts:N0} open conflict(s), {outcome.OpenDeadLetters:N0} open dead letter(s)."));
        return equal ? Equal : DifferencesRemain;
    }

    /// <summary>Starts a full run and waits for its end; a run that does not complete is an error.</summary>
    private static async Task<ValidationRun> FullRunAsync(
        IValidationScheduler scheduler, bool repair, ProgressView progress, string title, TimeProvider time, CancellationToken cancellationToken)
    {
        var run = await scheduler.StartAsync(RunKind.Full, utime: 0, intervalMs: 0, maxRowsPerSecond: null, repair, cancellationToken);
        try
        {
            await progress.ShowAsync(title, async report =>
            {
                do
                {
                    report.Report(new ProgressStep(run.RowsChecked, run.EstimatedRows > 0 ? run.EstimatedRows : null, string.Create(
                        CultureInfo.InvariantCulture, $"{run.RowsChecked:N0} rows checked, {Differences(run):N0} difference(s)")));
                    if (run.Status != RunStatus.Running)
                    {
                        break;
                    }

                    await Task.Delay(_poll, time, cancellationToken);
                }
                while (true);
                return run;
            });
        }
        catch (OperationCanceledException)
        {
            await scheduler.StopAsync(RunKind.Full, CancellationToken.None);
            throw;
        }

        return run.Status == RunStatus.Completed
            ? run
            : throw new InvalidOperationException($"the full run {run.Id} ended {run.Status.ToString().ToLowerInvariant()}: {run.LastError ?? "no error recorded"}");
    }

    /// <summary>Waits until every event is repaired or stored as a dead letter (the outbox and the consumer lag are empty).</summary>
    private static Task DrainAsync(IRepairBacklog backlog, ProgressView progress, TimeProvider time, CancellationToken cancellationToken) =>
        progress.ShowAsync("Repairing", async report =>
        {
            var first = (double?)null;
            while (true)
            {
                var left = (await backlog.GetAsync(cancellationToken)).Total;
                first ??= left;
                report.Report(new ProgressStep(first.Value - left, first > 0 ? first : null, string.Create(CultureInfo.InvariantCulture, $"{left:N0} event(s) left")));
                if (left == 0)
                {
                    return true;
                }

                await Task.Delay(_poll, time, cancellationToken);
            }
        });

    private static long Differences(ValidationRun run) =>
        Enum.GetValues<Domain.Inconsistencies.InconsistencyType>().Sum(run.InconsistenciesOf);

    private static string Summary(ValidationRun run)
    {
        var seconds = ((run.EndedAt ?? run.StartedAt) - run.StartedAt).TotalSeconds;
        var counts = string.Join(", ", Enum.GetValues<Domain.Inconsistencies.InconsistencyType>()
            .Select(type => string.Create(CultureInfo.InvariantCulture, $"{run.InconsistenciesOf(type):N0} {Domain.Inconsistencies.InconsistencyTypeExtensions.ToWire(type)}")));
        return string.Create(CultureInfo.InvariantCulture, $"{run.Table}: {run.RowsChecked:N0} rows checked in {seconds:F1} s; {counts}.");
    }

    /// <summary>Stops the host within a few seconds: the scheduler stops its runs, the workers their loops.</summary>
    private static async Task StopAsync(IHost host, TimeProvider time)
    {
        try
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(15), time);
            await host.StopAsync(stop.Token);
        }
        catch (Exception ex)
        {
            LogStopFailed(Logger(host), ex);
        }
    }

    /// <returns>False when the report could not be written (the exit code is then <see cref="Error"/>).</returns>
    private static async Task<bool> WriteReportAsync(FileInfo? file, Outcome outcome, FindingsRecorder findings, TimeProvider time)
    {
        if (file is null)
        {
            return true;
        }

        var endedAt = time.GetUtcNow();
        var report = new ValidateReport(
            outcome.ExitCode switch { Equal => "equal", DifferencesRemain => "differences", _ => "error" },
            outcome.ExitCode,
            outcome.Repair,
            outcome.StartedAt,
            endedAt,
            Math.Round((endedAt - outcome.StartedAt).TotalSeconds, 3),
            outcome.Run,
            outcome.Verification,
            outcome.OpenConflicts,
            outcome.OpenDeadLetters,
            [.. findings.Of(1).Select(DifferenceDto.From)],
            [.. findings.Of(2).Select(DifferenceDto.From)],
            FindingsRecorder.Limit,
            outcome.Error);
        try
        {
            await File.WriteAllTextAsync(file.FullName, JsonSerializer.Serialize(report, _json));
            Console.Out.WriteLine($"Report written to {file.FullName}.");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"validate: could not write the report {file.FullName}: {ex.Message}");
            return false;
        }
    }

    private static ILogger Logger(IHost host) => host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Migration.WebApi.Validate");

    [LoggerMessage(Level = LogLevel.Debug, Message = "validate gave up")]
    private static partial void LogGaveUp(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "validate failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping after validate failed")]
    private static partial void LogStopFailed(ILogger logger, Exception exception);

    /// <summary>What the command found, filled in as it goes.</summary>
    private sealed class Outcome(bool repair, DateTimeOffset startedAt)
    {
        public bool Repair { get; } = repair;

        public DateTimeOffset StartedAt { get; } = startedAt;

        public RunDto? Run { get; set; }

        public RunDto? Verification { get; set; }

        public long? OpenConflicts { get; set; }

        public long? OpenDeadLetters { get; set; }

        public string? Error { get; set; }

        public int ExitCode { get; set; }
    }
}
