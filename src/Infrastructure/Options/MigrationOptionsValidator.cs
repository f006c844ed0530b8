using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Migration.Domain.Patterns;

namespace Migration.Infrastructure.Options;

/// <summary>Refuses to start with configuration that would fail later, naming the key to fix.</summary>
internal sealed partial class MigrationOptionsValidator : IValidateOptions<MigrationOptions>
{
    public ValidateOptionsResult Validate(string? name, MigrationOptions options)
    {
        var failures = new List<string>();
        if (!TableName().IsMatch(options.Table ?? ""))
        {
            failures.Add($"Migration:Table '{options.Table}' is not a plain table name (letters, digits, underscore).");
        }

        CheckTables(options.Tables, failures);
        if (!WritePatternExtensions.TryParseWire(options.Pattern, out _))
        {
            failures.Add($"Migration:Pattern '{options.Pattern}' must be src_only, src_first, dst_first or dst_only.");
        }

        CheckSide("Source", options.Source, failures);
        CheckSide("Target", options.Target, failures);
        CheckSide("Control", options.Control, failures);
        var v = options.Validation;
        Range(failures, "Validation:BatchSize", v.BatchSize, 1, 100_000);
        Range(failures, "Validation:RecheckDelayMs", v.RecheckDelayMs, 0, 60_000);
        Range(failures, "Validation:LateCommitWindowMs", v.LateCommitWindowMs, 0, 3_600_000);
        Range(failures, "Validation:ChunkRows", v.ChunkRows, 0, 1_000_000);
        Range(failures, "Validation:Parallelism", v.Parallelism, 1, 64);
        Range(failures, "Validation:TablesInParallel", v.TablesInParallel, 1, 64);
        Range(failures, "Validation:CheckpointIntervalMs", v.CheckpointIntervalMs, 100, 3_600_000);
        if (v.MaxRowsPerSecond < 0)
        {
            failures.Add($"Migration:Validation:MaxRowsPerSecond is {v.MaxRowsPerSecond}; it must be 0 (unlimited) or more.");
        }
        if (v.Sweep.MaxRowsPerSecond < 0 || !Enum.IsDefined(v.Sweep.Mode))
        {
            failures.Add($"Migration:Validation:Sweep:MaxRowsPerSecond must be 0 (off) or more, and Migration:Validation:Sweep:Mode Auto, Always or Off.");
        }

        Range(failures, "Validation:RetryBackoffMs", v.RetryBackoffMs, 1, 60_000);
        Range(failures, "Validation:MaxRetryBackoffMs", v.MaxRetryBackoffMs, v.RetryBackoffMs, 3_600_000);
        Range(failures, "Validation:QueryTimeoutSeconds", v.QueryTimeoutSeconds, 1, 86_400);
        Range(failures, "Health:ProbeTimeoutMs", options.Health.ProbeTimeoutMs, 50, 60_000);
        Range(failures, "Health:TimeoutWindowMs", options.Health.TimeoutWindowMs, 0, 3_600_000);
        Range(failures, "ShutdownTimeoutSeconds", options.ShutdownTimeoutSeconds, 1, 3_600);
        Range(failures, "Seed:Rows", options.Seed.Rows, 1, 10_000_000);
        Range(failures, "Repair:MaxAttempts", options.Repair.MaxAttempts, 1, 1_000);
        Range(failures, "Repair:RetryBackoffMs", options.Repair.RetryBackoffMs, 1, 60_000);
        Range(failures, "Repair:MaxRetryBackoffMs", options.Repair.MaxRetryBackoffMs, options.Repair.RetryBackoffMs, 3_600_000);
        Range(failures, "Repair:Parallelism", options.Repair.Parallelism, 1, 64);
        Range(failures, "Repair:BatchSize", options.Repair.BatchSize, 1, 10_000);
        Range(failures, "Repair:BatchWaitMs", options.Repair.BatchWaitMs, 0, 10_000);
        Range(failures, "PatternRefreshMs", options.PatternRefreshMs, 50, 60_000);
        Range(failures, "DoubleWrite:SecondaryTimeoutMs", options.DoubleWrite.SecondaryTimeoutMs, 100, 600_000);
        Range(failures, "DoubleWrite:FenceWaitMs", options.DoubleWrite.FenceWaitMs, 100, 600_000);
        Range(failures, "Journal:RetentionMinutes", options.Journal.RetentionMinutes, 1, 525_600);
        Range(failures, "Journal:TrimGraceSeconds", options.Journal.TrimGraceSeconds, 0, 86_400);
        Range(failures, "Journal:TrimBatch", options.Journal.TrimBatch, 1, 1_000_000);
        Range(failures, "Journal:TrimIntervalMs", options.Journal.TrimIntervalMs, 50, 3_600_000);
        Range(failures, "Cutover:QuietSeconds", options.Cutover.QuietSeconds, 0, 86_400);
        Range(failures, "Cutover:WatchIntervalMs", options.Cutover.WatchIntervalMs, 100, 3_600_000);
        if (options.Cutover.MaxLagMs < 0)
        {
            failures.Add($"Migration:Cutover:MaxLagMs is {options.Cutover.MaxLagMs}; it must be 0 or more.");
        }

        if (options.InstanceId is { Length: > 200 })
        {
            failures.Add("Migration:InstanceId must be at most 200 characters.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckSide(string side, DatabaseOptions db, List<string> failures)
    {
        if (db.Provider == DatabaseProvider.MySql && string.IsNullOrWhiteSpace(db.ConnectionString))
        {
            failures.Add($"Migration:{side}:ConnectionString is required when Migration:{side}:Provider is MySql.");
        }

        if (!Enum.IsDefined(db.Provider))
        {
            failures.Add($"Migration:{side}:Provider must be Sqlite or MySql.");
        }

        Range(failures, $"{side}:CommandTimeoutSeconds", db.CommandTimeoutSeconds, 1, 3_600);
        // innodb_lock_wait_timeout takes whole seconds from 1; a longer wait than the command's own would never be reached.
        Range(failures, $"{side}:LockWaitTimeoutSeconds", db.LockWaitTimeoutSeconds, 1, Math.Max(1, db.CommandTimeoutSeconds));
    }

    /// <summary>Each entry of <c>Migration:Tables</c> names a table, once; what the tables hold is checked against the schemas before each run.</summary>
    private static void CheckTables(IReadOnlyList<TableOptions> tables, List<string> failures)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < tables.Count; i++)
        {
            var name = tables[i].Name;
            if (string.IsNullOrWhiteSpace(name))
            {
                failures.Add($"Migration:Tables:{i}:Name is missing: each entry names a table (or is \"*\" for every table of the source).");
            }
            else if (!seen.Add(name))
            {
                failures.Add($"Migration:Tables:{i}:Name '{name}' is listed twice; give each table one entry.");
            }
        }
    }

    private static void Range(List<string> failures, string key, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            failures.Add($"Migration:{key} is {value}; it must be between {min} and {max}.");
        }
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,63}$")]
    private static partial Regex TableName();
}
