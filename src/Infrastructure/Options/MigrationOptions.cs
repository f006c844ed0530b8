using Migration.Domain.Repair;

namespace Migration.Infrastructure.Options;

public enum DatabaseProvider
{
    Sqlite,
    MySql,
}

/// <summary>How to reach one side of the migration.</summary>
public sealed class DatabaseOptions
{
    /// <summary><c>Sqlite</c> (default, embedded) or <c>MySql</c> (MySQL 8 / MariaDB 10.11 through Pomelo and MySqlConnector).</summary>
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>ADO.NET connection string. Default: a SQLite file under <see cref="MigrationOptions.DataDirectory"/>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>MySQL server version such as <c>10.11.6-mariadb</c> or <c>8.0.36-mysql</c>; detected from the server when empty.</summary>
    public string? ServerVersion { get; set; }

    /// <summary>
    /// Longest a statement may run, in seconds, before the driver cancels it: every ADO.NET command and EF Core context
    /// on this database, and opening a connection when the connection string names no <c>Connection Timeout</c>. It
    /// replaces a command timeout given in the connection string. SQLite, which runs in the process, has no statement
    /// timeout: there only <see cref="LockWaitTimeoutSeconds"/> applies. Default 10.
    /// </summary>
    public int CommandTimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// Longest a statement waits for a lock, in seconds, at most <see cref="CommandTimeoutSeconds"/>: MySQL's
    /// <c>innodb_lock_wait_timeout</c>, set on every session; on SQLite, how long a locked database is retried. A write
    /// that waits longer fails with nothing written (HTTP 503). Default 5.
    /// </summary>
    public int LockWaitTimeoutSeconds { get; set; } = 5;
}

/// <summary>Tuning of validation runs.</summary>
public sealed class ValidationOptions
{
    /// <summary>Rows read per query and side. Default 1,000.</summary>
    public int BatchSize { get; set; } = 1_000;

    /// <summary>
    /// A mismatch is read again after this delay before it is reported, since a row may be caught between its two
    /// writes (a double write takes milliseconds). 0 re-reads at once. Default 100 ms.
    /// </summary>
    public int RecheckDelayMs { get; set; } = 100;

    /// <summary>
    /// Incremental runs: a second cursor on each side trails this far behind the present and reads again every row whose
    /// version it passes, so a transaction that commits late — after the main cursor passed the version it wrote, as a
    /// long transaction that set its version when it began does — is still compared. Each row is read twice. 0 turns it
    /// off. Default 5,000 ms.
    /// </summary>
    public int LateCommitWindowMs { get; set; } = 5_000;

    /// <summary>
    /// Full runs on MySQL first compare checksums of chunks of about this many rows, computed by each server, and
    /// read rows only where a chunk differs. 0 compares every row (the ground truth; always so on SQLite). Default 1,000:
    /// with scattered drift (one difference every few thousand rows) larger chunks nearly all differ and every row goes
    /// to the row pass (docs/benchmark.md, "Where the time goes").
    /// </summary>
    public int ChunkRows { get; set; } = 1_000;

    /// <summary>How many key ranges (segments) of one table a full run compares at once. Default 2.</summary>
    public int Parallelism { get; set; } = 2;

    /// <summary>How many tables a full run compares at once (an incremental run polls every table at once). Default 2.</summary>
    public int TablesInParallel { get; set; } = 2;

    /// <summary>Rows per second a run may check when its request sets no limit. 0 (default) is unlimited.</summary>
    public long MaxRowsPerSecond { get; set; }

    /// <summary>How often a running validation saves its checkpoint in the control database. Default 2,000 ms.</summary>
    public int CheckpointIntervalMs { get; set; } = 2_000;

    /// <summary>
    /// Median first wait after a failed step (pipeline <c>validation</c>); later waits grow exponentially, with
    /// jitter. A step is retried until it succeeds or the run is stopped. Default 200 ms.
    /// </summary>
    public int RetryBackoffMs { get; set; } = 200;

    /// <summary>Longest wait between retries. Default 30,000 ms.</summary>
    public int MaxRetryBackoffMs { get; set; } = 30_000;

    /// <summary>
    /// Command timeout of validation's reads, in seconds, instead of the sides' <see cref="DatabaseOptions.CommandTimeoutSeconds"/>:
    /// a checksum of many chunks of a big, cold table legitimately takes longer than a write. Default 300.
    /// </summary>
    public int QueryTimeoutSeconds { get; set; } = 300;

    /// <summary>The rolling sweep of incremental runs (<c>Migration:Validation:Sweep</c>).</summary>
    public SweepOptions Sweep { get; set; } = new();
}

/// <summary>What <c>/health/ready</c> checks, and how long it waits.</summary>
public sealed class HealthOptions
{
    /// <summary>Each database and Kafka probe gets this long before it counts as failed. Default 2,000 ms.</summary>
    public int ProbeTimeoutMs { get; set; } = 2_000;

    /// <summary>
    /// A database stays unready this long after one of its statements timed out (a lock wait or a command timeout),
    /// although a trivial query still answers. 0 ignores such timeouts. Default 15,000 ms.
    /// </summary>
    public int TimeoutWindowMs { get; set; } = 15_000;
}

/// <summary>Demo data for the embedded default: a <c>users</c> table with known drift.</summary>
public sealed class SeedOptions
{
    /// <summary>Seed when both sides' tables are empty. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Ids 1..Rows are generated. Default 50,000.</summary>
    public int Rows { get; set; } = 50_000;
}

/// <summary>The <c>Migration</c> configuration section.</summary>
public sealed class MigrationOptions
{
    public const string SectionName = "Migration";

    /// <summary>
    /// The single migrated table of older configurations: the same as one entry of <see cref="Tables"/> with that name
    /// and <c>utime</c> as its version column when it has one. Used only when <see cref="Tables"/> is empty. Default <c>users</c>.
    /// </summary>
    public string Table { get; set; } = "users";

    /// <summary>
    /// The migrated tables (see <see cref="TableOptions"/>); an entry may be just a name (<c>"Tables": ["orders", "*"]</c>).
    /// Default: the one <see cref="Table"/>.
    /// </summary>
    public List<TableOptions> Tables { get; set; } = [];

    /// <summary>The configured tables, or the legacy <see cref="Table"/> as one entry.</summary>
    public IReadOnlyList<TableOptions> TableEntries => Tables.Count > 0
        ? Tables
        : [new TableOptions { Name = Table, VersionColumn = "utime", VersionColumnOptional = true }];

    /// <summary>Folder for the embedded SQLite files. Default <c>data</c>.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>The pattern used until one is switched: <c>src_only</c> (default), <c>src_first</c>, <c>dst_first</c> or <c>dst_only</c>.</summary>
    public string Pattern { get; set; } = "src_only";

    public DatabaseOptions Source { get; set; } = new();

    public DatabaseOptions Target { get; set; } = new();

    /// <summary>Where the migration's own state lives (pattern, heartbeats, outbox, checkpoints). Default: <c>control.db</c> in the data folder.</summary>
    public DatabaseOptions Control { get; set; } = new();

    public ValidationOptions Validation { get; set; } = new();

    public SeedOptions Seed { get; set; } = new();

    public RepairOptions Repair { get; set; } = new();

    /// <summary><c>Api</c>, <c>Repair</c> or <c>Both</c> (default): see <see cref="ServiceRoles"/>. <c>Repair</c> needs Kafka; <c>Api</c> without Kafka repairs nothing itself.</summary>
    public ServiceRoles Roles { get; set; } = ServiceRoles.Both;

    public KafkaOptions Kafka { get; set; } = new();

    public OutboxOptions Outbox { get; set; } = new();

    /// <summary>
    /// How often each instance re-reads the stored pattern and writes its heartbeat, in ms: every instance applies a
    /// switch within about this long. An instance counts as live while its last heartbeat is younger than three of its
    /// own intervals plus a second. Default 1,000.
    /// </summary>
    public int PatternRefreshMs { get; set; } = 1_000;

    /// <summary>This instance's id in heartbeats and in the pattern's <c>changedBy</c>. Default: host name, process id and a random suffix.</summary>
    public string? InstanceId { get; set; }

    public DoubleWriteOptions DoubleWrite { get; set; } = new();

    public CutoverSettings Cutover { get; set; } = new();

    public HealthOptions Health { get; set; } = new();

    /// <summary>The stored differences and run history (<c>Migration:Report</c>).</summary>
    public ReportOptions Report { get; set; } = new();

    /// <summary>The progress lines of running validations (<c>Migration:Progress</c>).</summary>
    public ProgressOptions Progress { get; set; } = new();

    /// <summary>The write journal of each side (<c>Migration:Journal</c>, docs/journal.md).</summary>
    public JournalOptions Journal { get; set; } = new();

    /// <summary>
    /// <c>None</c> (default) or <c>Triggers</c>: with <c>Triggers</c> the service installs the change-capture triggers on
    /// the source at start where they are missing (docs/journal.md); <c>POST /migrator/change-capture/install</c> does
    /// the same on request whatever this says.
    /// </summary>
    public ChangeCaptureMode ChangeCapture { get; set; } = ChangeCaptureMode.None;

    /// <summary>
    /// How long a stop (SIGTERM) may take, in seconds: requests in flight finish, then every background worker
    /// stops. Longer than the databases' command timeouts, so a write in flight ends with its own answer. Default 15.
    /// </summary>
    public int ShutdownTimeoutSeconds { get; set; } = 15;
}

/// <summary>The cut-over gate and its watcher (<c>Migration:Cutover</c>).</summary>
public sealed class CutoverSettings
{
    /// <summary>While an incremental run is running, each table must have been caught up within this many ms. Default 5,000.</summary>
    public long MaxLagMs { get; set; } = 5_000;

    /// <summary>No new difference for this long before a change of base side; 0 turns it off. Default 10 s.</summary>
    public int QuietSeconds { get; set; } = 10;

    /// <summary>How often the watcher computes readiness for the next step, logs a change and publishes it. Default 2,000 ms.</summary>
    public int WatchIntervalMs { get; set; } = 2_000;

    /// <summary>With Kafka: the topic readiness changes are published to. Default <c>&lt;Topic&gt;.status</c>.</summary>
    public string? StatusTopic { get; set; }
}

/// <summary>How the double-write pool treats a failed copy to the secondary side.</summary>
public sealed class DoubleWriteOptions
{
    /// <summary>
    /// When the copy to the secondary side fails, fail the caller's write as well (HTTP 503), although the primary has
    /// committed it. Default false: the caller's write succeeds. Either way the rows are reported as inconsistencies at
    /// once, so the repair copies them.
    /// </summary>
    public bool StrictSecondary { get; set; }

    /// <summary>
    /// Once the primary has committed, the copy to the secondary and the report of a failed copy get this long, whatever
    /// happens to the caller's request. Default 30,000 ms.
    /// </summary>
    public int SecondaryTimeoutMs { get; set; } = 30_000;

    /// <summary>
    /// How long a write waits for a pattern switch to move the write fences (docs/decisions/ADR-005) before it fails with
    /// 503, nothing written. A switch moves them in milliseconds unless a long transaction holds the old primary's fence.
    /// Default 5,000 ms.
    /// </summary>
    public int FenceWaitMs { get; set; } = 5_000;
}

/// <summary>How the repair consumer retries a row it could not repair.</summary>
public sealed class RepairOptions
{
    /// <summary>
    /// Whether a validation run hands what it finds to the repair when its request does not say (<c>"repair"</c> in
    /// <c>POST /migrator/full/start</c> and <c>incr/start</c>). False makes runs report-only by default: the differences
    /// are stored and listed, nothing is written to either side. Default true.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Attempts per event before it is stored as a dead letter. Default 5.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>
    /// Median first wait after a failed attempt (pipeline <c>repair</c>; also the Kafka consumer's and the dead
    /// letters' pipelines); later waits grow exponentially, with jitter. Default 200 ms.
    /// </summary>
    public int RetryBackoffMs { get; set; } = 200;

    /// <summary>Longest wait between the attempts of the pipelines that start from <see cref="RetryBackoffMs"/>. Default 30,000 ms.</summary>
    public int MaxRetryBackoffMs { get; set; } = 30_000;

    /// <summary>In-process path: rows repaired at once, in lanes by row key so one row's events keep their order. Default 4.</summary>
    public int Parallelism { get; set; } = 4;

    /// <summary>
    /// Most events repaired together (<c>Migration__Repair__BatchSize</c>): per table and base side one read of each
    /// side, one guarded multi-row upsert and one guarded multi-row delete, one verification read; rows the batch could
    /// not finish are repaired one by one. 1 repairs row by row. Default 500.
    /// </summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>
    /// Longest wait for more events once one is ready (<c>Migration__Repair__BatchWaitMs</c>): a batch takes what is
    /// queued and does not wait to fill. Default 5 ms.
    /// </summary>
    public int BatchWaitMs { get; set; } = 5;

    /// <summary>
    /// Which version a repair keeps: <c>BaseWins</c> (default: the run's base side wins once a difference is confirmed)
    /// or <c>NewestWins</c> (the newer <c>utime</c> wins). Rows the policy will not touch are stored as conflicts.
    /// </summary>
    public RepairPolicy Policy { get; set; } = RepairPolicy.BaseWins;
}
