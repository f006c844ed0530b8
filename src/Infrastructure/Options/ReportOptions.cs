using Microsoft.Extensions.Options;

namespace Migration.Infrastructure.Options;

/// <summary>What is kept of the differences found (<c>Migration:Report</c>).</summary>
public sealed class ReportOptions
{
    /// <summary>
    /// The runs kept in the history with their differences; older runs and their differences (and the double-write
    /// reports older than the oldest run kept) are deleted when a run ends. 1 to 10,000. Default 20.
    /// </summary>
    public int KeepRuns { get; set; } = 20;

    /// <summary>
    /// Columns whose values are never stored: each is <c>table.column</c> or just <c>column</c> (every table's), compared
    /// without regard to case. A stored difference holds <c>sha256:</c> and the first 16 hex digits of the SHA-256 of the
    /// value's text instead (equal values, equal hashes). The fix SQL still carries the real values: it reads the base
    /// again. Default: none.
    /// </summary>
    public List<string> RedactColumns { get; set; } = [];
}

/// <summary>The log lines of running validations (<c>Migration:Progress</c>).</summary>
public sealed class ProgressOptions
{
    /// <summary>
    /// Seconds between two progress lines of a running run (one line per running table); 0 logs none. The summary
    /// line at a run's end is always logged. 0 to 3,600. Default 10.
    /// </summary>
    public int IntervalSeconds { get; set; } = 10;
}

/// <summary>Checks <c>Migration:Report</c> and <c>Migration:Progress</c>.</summary>
internal sealed class ReportOptionsValidator : IValidateOptions<MigrationOptions>
{
    public ValidateOptionsResult Validate(string? name, MigrationOptions options)
    {
        var failures = new List<string>();
        if (options.Report.KeepRuns is < 1 or > 10_000)
        {
            failures.Add($"Migration:Report:KeepRuns is {options.Report.KeepRuns}; it must be between 1 and 10000.");
        }

        if (options.Progress.IntervalSeconds is < 0 or > 3_600)
        {
            failures.Add($"Migration:Progress:IntervalSeconds is {options.Progress.IntervalSeconds}; it must be between 0 (no progress lines) and 3600.");
        }

        foreach (var column in options.Report.RedactColumns)
        {
            var parts = (column ?? "").Split('.');
            if (parts.Length > 2 || parts.Any(string.IsNullOrWhiteSpace))
            {
                failures.Add($"Migration:Report:RedactColumns has '{column}'; each entry is 'table.column' or 'column'.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
