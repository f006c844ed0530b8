using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Migration.Application.Abstractions;
using Migration.Application.Common;
using Migration.Domain;
using Migration.Domain.Runs;
using Migration.Domain.Tables;
using Migration.Infrastructure.Data;
using Migration.Infrastructure.Options;
using Migration.Infrastructure.Resilience;
using Polly;
using Polly.Registry;

namespace Migration.Infrastructure.Validation;

/// <summary>
/// Runs a validation over the configured tables: resolves them from both sides' schemas, gives each table its
/// strategy and suspect queue, and works on <see cref="ValidationOptions.TablesInParallel"/> tables at once (an
/// incremental run polls every table with a version column at once). A table that cannot be compared fails alone.
/// <list type="bullet">
/// <item><see cref="ChecksumStrategy"/>: full runs where both servers compute row checksums (MySQL), unless
/// <see cref="ValidationOptions.ChunkRows"/> is 0.</item>
/// <item><see cref="RowScanStrategy"/>: other full runs — the ground truth.</item>
/// <item><see cref="VersionScanStrategy"/>: incremental runs, on tables with a version column.</item>
/// <item><see cref="JournalStrategy"/>: incremental runs, beside the version walk, when the write journal is on; alone on
/// tables without a version column.</item>
/// <item><see cref="SweepStrategy"/>: incremental runs, beside the version walk, on the tables
/// <see cref="SweepOptions.Mode"/> names (alone on a table without a version column).</item>
/// </list>
/// </summary>
internal sealed partial class TableValidator(
    ITableCatalog catalog,
    RowReader reader,
    IInconsistencyPublisher publisher,
    IOptions<MigrationOptions> options,
    DatabaseTimeoutTracker tracker,
    TimeProvider time,
    ILogger<TableValidator> logger,
    ResiliencePipelineProvider<string> pipelines,
    Journal.WriteJournal journal,
    Journal.JournalCursorStore journalCursors) : ITableValidator
{
    private readonly ValidationOptions _options = options.Value.Validation;
    private readonly IOptions<MigrationOptions> _migration = options;
    private readonly ResiliencePipeline _retry = pipelines.GetPipeline(RetryPipelines.Validation);

    public async Task EnsureComparableAsync(RunKind kind, CancellationToken cancellationToken)
    {
        TableCatalog resolved;
        try
        {
            resolved = await catalog.ResolveAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not TableShapeException && !cancellationToken.IsCancellationRequested)
        {
            // Not a refusal: the run reads the schemas again, retrying while a database does not answer.
            LogShapeUnchecked(ex, kind);
            return;
        }

        if (resolved.Tables.Count == 0)
        {
            throw new ConflictException("No table is configured that both sides have (Migration:Tables).",
                new Dictionary<string, object?> { ["skipped"] = resolved.Skipped });
        }

        // Tables without a version column are the journal's and the sweep's; a version column named but unusable is a
        // mistake to name.
        var named = resolved.Tables.Select(t => _migration.Value.TableEntries
            .FirstOrDefault(e => string.Equals(e.Name, t.Name, StringComparison.OrdinalIgnoreCase))?.VersionColumn).ToList();
        if (kind == RunKind.Incremental && resolved.Tables.All(t => t.Version is null)
            && ((!_migration.Value.Journal.Enabled && !Sweeps(versioned: false, _options.Sweep.MaxRowsPerSecond)) || named.Any(n => n is not null)))
        {
            var index = Math.Max(0, named.FindIndex(n => n is not null));
            var (first, column) = (resolved.Tables[index], named[index]);
            throw new ConflictException(
                "No configured table has a version column that incremental validation can walk" +
                (column is null ? "" : $" ('{column}' of {first.Name} is not an integer of ms since the epoch, a DATETIME or a TIMESTAMP)") +
                $"; name one with Migration:Tables:<n>:VersionColumn (tables: {string.Join(", ", resolved.Tables.Select(t => t.Name))}).",
                new Dictionary<string, object?> { ["table"] = first.Name, ["column"] = column });
        }
    }

    public async Task RunAsync(ValidationRun run, CancellationToken cancellationToken)
    {
        var resolved = await _retry.ExecuteAsync(
            async ct => await catalog.ResolveAsync(ct),
            (ex, _, delay) =>
            {
                run.RecordError($"Failed to read the schemas: {ex.Message}", time.GetUtcNow());
                LogSchemaRetry(ex, run.Id, (int)delay.TotalMilliseconds);
            },
            cancellationToken);
        run.Plan(resolved.Tables.Select(t => t.Name));
        using var throttle = new RowThrottle(run.MaxRowsPerSecond);
        var work = resolved.Tables.Select(t => (Spec: t, Progress: run.Find(t.Name)!)).ToList();
        foreach (var (spec, progress) in work.Where(_ => run.Kind == RunKind.Incremental))
        {
            PlanSweep(run, spec, progress);
        }

        work.RemoveAll(w => w.Progress.Status is TableRunStatus.Completed or TableRunStatus.FullOnly);
        var parallelism = run.Kind == RunKind.Incremental ? Math.Max(1, work.Count) : _options.TablesInParallel;
        await Parallel.ForEachAsync(
            work,
            new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            async (w, ct) => await RunTableAsync(run, w.Spec, w.Progress, throttle, ct));
    }

    private async Task RunTableAsync(ValidationRun run, TableSpec table, TableRun progress, RowThrottle throttle, CancellationToken cancellationToken)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["Table"] = table.Name });
        progress.Begin(time.GetUtcNow());
        var steps = new StepRunner(_retry, run, progress, tracker, time, logger);
        var suspects = new SuspectQueue(run, progress, table, reader, publisher, TimeSpan.FromMilliseconds(_options.RecheckDelayMs), time)
        {
            Steps = steps,
            Redacted = Reports.ReportRedaction.ColumnsOf(table.Name, _migration.Value.Report.RedactColumns),
            Swept = progress.Sweep is not null,
        };
        var context = new TableContext(run, progress, table, reader, suspects, throttle, steps, _options, time);
        try
        {
            if (run.Kind == RunKind.Incremental)
            {
                await RunIncrementalAsync(context, progress.Sweep, cancellationToken);
                return;
            }

            progress.Estimate(await steps.RunAsync("estimate the row count", null, async ct =>
            {
                var b = reader.EstimateRowsAsync(table, run.BaseSide, ct);
                var o = reader.EstimateRowsAsync(table, run.BaseSide.Other(), ct);
                return Math.Max(await b, await o);
            }, cancellationToken));
            IValidationStrategy strategy = _options.ChunkRows > 0 && reader.CanChecksum(table) ? new ChecksumStrategy() : new RowScanStrategy();
            await strategy.RunAsync(context, cancellationToken);
            await suspects.FlushAsync(all: true, cancellationToken);
            progress.Complete(time.GetUtcNow());
            LogTableDone(run.Id, table.Name, progress.RowsChecked, progress.EventsPublished);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // One table that cannot be compared (or a bug) must not stop the others: it fails alone, with the reason.
            progress.Fail(ex.Message, time.GetUtcNow());
            LogTableFailed(ex, run.Id, table.Name);
        }
    }

    /// <summary>Whether an incremental run sweeps a table (with or without a version column) at this rate.</summary>
    private bool Sweeps(bool versioned, long maxRowsPerSecond) => maxRowsPerSecond > 0 && _options.Sweep.Mode switch
    {
        SweepMode.Always => true,
        SweepMode.Auto => !versioned || !_migration.Value.Journal.Enabled,
        _ => false,
    };

    /// <summary>
    /// Gives a table of an incremental run its sweep, at the run's rate (from its request, else the one it was resumed
    /// with, else configuration); a table without a version column, a journal or a sweep is left to full runs.
    /// </summary>
    private void PlanSweep(ValidationRun run, TableSpec table, TableRun progress)
    {
        var rate = run.SweepMaxRowsPerSecond ?? progress.Sweep?.MaxRowsPerSecond ?? _options.Sweep.MaxRowsPerSecond;
        if (Sweeps(table.Version is not null, rate))
        {
            progress.StartSweep(only: table.Version is null, rate);
        }
        else if (table.Version is null && !_migration.Value.Journal.Enabled)
        {
            progress.FullOnly();
        }
    }

    /// <summary>
    /// A table of an incremental run: its version walk, the journal reader and its sweep side by side, on one suspect
    /// queue; the first to fail stops the others.
    /// </summary>
    private async Task RunIncrementalAsync(TableContext context, SweepProgress? sweep, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var walks = new List<Task>();
        if (context.Table.Version is not null)
        {
            walks.Add(new VersionScanStrategy().RunAsync(context, stop.Token));
        }

        if (_migration.Value.Journal.Enabled)
        {
            walks.Add(new JournalStrategy(journal, journalCursors).RunAsync(context, stop.Token));
        }

        if (sweep is not null)
        {
            walks.Add(new SweepStrategy(sweep).RunAsync(context, stop.Token));
        }

        var first = await Task.WhenAny(walks);
        await stop.CancelAsync();
        await Task.WhenAll(walks).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await first;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the schemas before starting a {Kind} run; the run will read them again")]
    private partial void LogShapeUnchecked(Exception exception, RunKind kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} failed to read the schemas; retrying in {DelayMs} ms")]
    private partial void LogSchemaRetry(Exception exception, Guid runId, int delayMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId}: table {Table} done, {Rows} rows checked, {Events} differences published")]
    private partial void LogTableDone(Guid runId, string table, long rows, long events);

    [LoggerMessage(Level = LogLevel.Error, Message = "Run {RunId}: table {Table} failed; the run goes on with the other tables")]
    private partial void LogTableFailed(Exception exception, Guid runId, string table);
}
