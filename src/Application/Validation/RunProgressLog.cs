using System.Globalization;
using Microsoft.Extensions.Logging;
using Migration.Domain.Inconsistencies;
using Migration.Domain.Runs;

namespace Migration.Application.Validation;

/// <summary>
/// What a person watching the service's log sees of a run: one line per running table every
/// <see cref="RunOptions.ProgressInterval"/> (rows done of the estimate, percent, rate, time left, differences so far),
/// and one summary line with every count and the time when the run ends. Numbers are written with thousands
/// separators, the same on every machine.
/// </summary>
internal static partial class RunProgressLog
{
    public static void Tables(ILogger logger, ValidationRun run)
    {
        if (!logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        foreach (var table in run.Tables.Where(t => t.Status == TableRunStatus.Running))
        {
            LogTable(logger, table.Table, Progress(run.Kind, table), Count(Differences(table.InconsistenciesOf)), run.Id, Kind(run.Kind));
        }
    }

    public static void Summary(ILogger logger, ValidationRun run)
    {
        if (!logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        var seconds = ((run.EndedAt ?? run.StartedAt) - run.StartedAt).TotalSeconds;
        var rate = seconds > 0 ? run.RowsChecked / seconds : 0;
        var types = string.Join(", ", Enum.GetValues<InconsistencyType>().Select(t => $"{Count(run.InconsistenciesOf(t))} {t.ToWire()}"));
        LogSummary(
            logger, run.Id, Kind(run.Kind), run.Status.ToString().ToLowerInvariant(), seconds.ToString("F1", CultureInfo.InvariantCulture),
            Count(run.RowsChecked), Count((long)rate), Count(Differences(run.InconsistenciesOf)), types, Count(run.SuspectsCleared), Count(run.Errors),
            run.Repair ? "repairing what it found" : "report only, nothing repaired",
            run.Status == RunStatus.Failed && run.LastError is { } error ? $"; last error: {error}" : "");
    }

    /// <summary>
    /// Full runs: <c>12,000 of about 50,000 rows (24.0 %), 6,000 rows/s, about 6 s left</c>. Incremental runs, which
    /// poll without an end: <c>1,234 rows checked, 500 rows/s, 1.2 s behind</c>.
    /// </summary>
    private static string Progress(RunKind kind, TableRun table)
    {
        var rate = table.RecentRowsPerSecond;
        var rows = table.RowsChecked;
        if (kind == RunKind.Incremental)
        {
            var behind = table.CursorLagMs is { } lag ? $", {(lag / 1000.0).ToString("F1", CultureInfo.InvariantCulture)} s behind" : "";
            return $"{Count(rows)} rows checked, {Count((long)rate)} rows/s{behind}";
        }

        if (table.EstimatedRows <= 0)
        {
            return $"{Count(rows)} rows checked (no estimate), {Count((long)rate)} rows/s";
        }

        var eta = rate > 0
            ? $"about {Duration(Math.Max(0, table.EstimatedRows - rows) / rate)} left"
            : "time left unknown";
        var percent = (table.Percent ?? 0).ToString("F1", CultureInfo.InvariantCulture);
        return $"{Count(rows)} of about {Count(table.EstimatedRows)} rows ({percent} %), {Count((long)rate)} rows/s, {eta}";
    }

    private static string Duration(double seconds) => seconds switch
    {
        < 60 => $"{Math.Ceiling(seconds).ToString(CultureInfo.InvariantCulture)} s",
        < 3_600 => $"{Math.Floor(seconds / 60).ToString(CultureInfo.InvariantCulture)} min {Math.Ceiling(seconds % 60).ToString(CultureInfo.InvariantCulture)} s",
        _ => $"{Math.Floor(seconds / 3_600).ToString(CultureInfo.InvariantCulture)} h {Math.Floor(seconds % 3_600 / 60).ToString(CultureInfo.InvariantCulture)} min",
    };

    private static long Differences(Func<InconsistencyType, long> count) => Enum.GetValues<InconsistencyType>().Sum(count);

    private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Kind(RunKind kind) => kind == RunKind.Full ? "full" : "incremental";

    [LoggerMessage(Level = LogLevel.Information, Message = "{Table}: {Progress}; {Differences} difference(s) so far (run {RunId}, {Kind})")]
    private static partial void LogTable(ILogger logger, string table, string progress, string differences, Guid runId, string kind);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Run {RunId} ({Kind}) {Status} in {Seconds} s: {RowsChecked} rows checked ({RowsPerSecond} rows/s); {Differences} difference(s): {ByType}; {SuspectsCleared} cleared on the second look; {Errors} error(s); {Repair}{LastError}")]
    private static partial void LogSummary(
        ILogger logger, Guid runId, string kind, string status, string seconds, string rowsChecked, string rowsPerSecond, string differences,
        string byType, string suspectsCleared, string errors, string repair, string lastError);
}
