using System.Globalization;

namespace Migration.Bench;

/// <summary>Command-line settings of the benchmark. Every flag is <c>--name value</c>.</summary>
internal sealed record BenchOptions(
    int Rows,
    int Missing,
    int Changed,
    int Extra,
    bool Clustered,
    string Mode,
    int BatchSize,
    int ChunkRows,
    int Parallelism,
    int WritesPerSecond,
    int Seconds,
    int Runs,
    string? MySql)
{
    /// <summary>Schema mode: rows in all tables together, per side (default 5,000,000).</summary>
    public int RowsTotal { get; init; } = 5_000_000;

    /// <summary>Schema mode: differences planted per 1,000,000 rows of each table, a third of each type (default 200).</summary>
    public int DriftPerMillion { get; init; } = 200;

    /// <summary>Schema mode: also time pt-table-sync over the same tables (default true).</summary>
    public bool PtTableSync { get; init; } = true;

    /// <summary>Schema mode with <c>--mysql</c>: false validates the tables an earlier run with the same sizes left there (default true).</summary>
    public bool Setup { get; init; } = true;

    /// <summary>InnoDB buffer pool of the private server, MB (default 1024; schema mode 4096, to hold both sides).</summary>
    public int BufferPoolMb { get; init; } = 1024;

    /// <summary>Incremental mode: the write mix in percent, updates/inserts/deletes (default 70/20/10).</summary>
    public (int Updates, int Inserts, int Deletes) Mix { get; init; } = (70, 20, 10);

    /// <summary>Incremental mode: connections the load generator writes through (default 4).</summary>
    public int Connections { get; init; } = 4;

    /// <summary>Incremental mode: repair through Kafka on librdkafka's mock cluster instead of the in-process bus (default false).</summary>
    public bool Kafka { get; init; }

    /// <summary>Incremental mode with Kafka: repair consumers in the one group, 1 or 2 (default 1).</summary>
    public int RepairInstances { get; init; } = 1;

    /// <summary>Incremental mode with Kafka: run with one repair instance, then with <see cref="RepairInstances"/>, and give the ratio (default false).</summary>
    public bool CompareInstances { get; init; }

    /// <summary>Incremental mode with Kafka: partitions of the topic (default 4).</summary>
    public int Partitions { get; init; } = 4;

    /// <summary>Incremental mode: where the control database (outbox, differences) lives, <c>mysql</c> (default: a database on the bench's server, shared by the instances) or <c>sqlite</c> (a file; in-process repair only).</summary>
    public string Control { get; init; } = "mysql";

    /// <summary>Incremental mode: extra service settings, <c>key=value</c> pairs separated by <c>;</c> (default none).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>Incremental mode: ask the service for <c>Migration:ChangeCapture=Triggers</c> (default true; no effect where the service lacks it).</summary>
    public bool ChangeCapture { get; init; } = true;

    public const string Usage = """
        Migration.Bench: validation speed against MariaDB/MySQL.
          --rows N              rows per side (default 1000000)
          --missing N           rows planted missing in the target (default 1000)
          --changed N           rows planted with a different email in the target (default 1000)
          --extra N             rows planted only in the target (default 1000)
          --layout L            scattered (default) or clustered
          --mode M              full (default), full-rows (row-level path only), incremental, or schema
                                (7 tables of different key shapes, timed against pt-table-sync)
          --batch N             rows per query and side (default 1000)
          --chunk N             rows per checksum chunk, 0 = no checksum fast path (default 1000, as the service)
          --parallelism N       chunks validated at once (default 2)
          --writes N            incremental mode: row writes per second to the source only (default 10000)
          --mix U/I/D           incremental mode: percent updates/inserts/deletes (default 70/20/10)
          --seconds N           incremental mode: how long the load runs (default 60)
          --connections N       incremental mode: connections of the load generator (default 4)
          --kafka B             incremental mode: repair through Kafka on librdkafka's mock cluster (default false)
          --partitions N        with --kafka: partitions of the topic (default 4)
          --repair-instances N  with --kafka: repair consumers in one group, 1 or 2 (default 1)
          --compare-instances B with --kafka: run with 1 repair instance, then with --repair-instances 2, and
                                print the ratio of rows repaired per second (default false)
          --control C           incremental mode: control database (outbox, stored differences) on the server
                                (mysql, default) or in a SQLite file (sqlite; not with two repair instances)
          --set K=V;K2=V2       incremental mode: extra service settings, such as
                                Migration:Kafka:Consumer:queued.max.messages.kbytes=8192
          --change-capture B    incremental mode: set Migration:ChangeCapture=Triggers (default true; a service
                                without that setting ignores it)
          --runs N              full modes: validate N times in one process and report each (default 1)
          --rows-total N        schema mode: rows in all tables together, per side (default 5000000)
          --drift N             schema mode: differences per 1,000,000 rows of each table, a third
                                each missing, changed and extra (default 200)
          --pt-table-sync B     schema mode: also time pt-table-sync --print (true/false, default true)
          --setup B             schema mode with --mysql: false reuses the tables an earlier run with the same
                                --rows-total and --drift left there (default true)
          --buffer-pool-mb N    InnoDB buffer pool of the private server (default 1024; schema 4096)
          --mysql CS            an existing server (connection string without Database); default: the
                                server in MIGRATION_TEST_MYSQL, else a MariaDB started from the Debian binaries
        """;

    public static BenchOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"Unexpected argument '{args[i]}'.\n{Usage}");
            }

            values[args[i][2..]] = args[++i];
        }

        int Int(string name, int fallback) => values.Remove(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        string Text(string name, string fallback) => values.Remove(name, out var v) ? v : fallback;

        var mode = values.GetValueOrDefault("mode", "full");
        var options = new BenchOptions(
            Int("rows", 1_000_000),
            Int("missing", 1_000),
            Int("changed", 1_000),
            Int("extra", 1_000),
            Text("layout", "scattered") == "clustered",
            Text("mode", "full"),
            Int("batch", 1_000),
            Int("chunk", 1_000),
            Int("parallelism", 2),
            Int("writes", 10_000),
            Int("seconds", mode == "incremental" ? 60 : 10),
            Int("runs", 1),
            values.Remove("mysql", out var cs) ? cs : null);
        options = options with
        {
            RowsTotal = Int("rows-total", options.RowsTotal),
            DriftPerMillion = Int("drift", options.DriftPerMillion),
            PtTableSync = bool.Parse(Text("pt-table-sync", "true")),
            Setup = bool.Parse(Text("setup", "true")),
            BufferPoolMb = Int("buffer-pool-mb", options.Mode == "schema" ? 4096 : options.BufferPoolMb),
            Mix = ParseMix(Text("mix", "70/20/10")),
            Connections = Int("connections", 4),
            Kafka = bool.Parse(Text("kafka", "false")),
            Partitions = Int("partitions", 4),
            RepairInstances = Int("repair-instances", 1),
            CompareInstances = bool.Parse(Text("compare-instances", "false")),
            ChangeCapture = bool.Parse(Text("change-capture", "true")),
            Control = Text("control", "mysql"),
            Settings = ParseSettings(Text("set", "")),
        };
        if (values.Count > 0)
        {
            throw new ArgumentException($"Unknown option(s): {string.Join(", ", values.Keys)}.\n{Usage}");
        }

        if (options.Mode is not ("full" or "full-rows" or "incremental" or "schema"))
        {
            throw new ArgumentException($"Unknown mode '{options.Mode}'.\n{Usage}");
        }

        if (options.Mode == "schema" && (options.RowsTotal < 1_000 || options.DriftPerMillion is < 0 or > 100_000))
        {
            throw new ArgumentException("Schema mode needs --rows-total of at least 1000 and --drift between 0 and 100000.");
        }

        if (!options.Setup && (options.Mode != "schema" || options.MySql is null))
        {
            throw new ArgumentException("--setup false needs --mode schema and --mysql.");
        }

        if (options.Mode == "incremental" && (options.WritesPerSecond < 1 || options.Seconds < 5 || options.Connections is < 1 or > 64))
        {
            throw new ArgumentException("Incremental mode needs --writes of at least 1, --seconds of at least 5 and --connections between 1 and 64.");
        }

        if (options.RepairInstances is not (1 or 2) || options.Partitions < 1)
        {
            throw new ArgumentException("--repair-instances is 1 or 2, --partitions at least 1.");
        }

        if (options.Control is not ("mysql" or "sqlite") || (options.Control == "sqlite" && (options.RepairInstances > 1 || options.CompareInstances)))
        {
            throw new ArgumentException("--control is mysql or sqlite; two repair instances share a control database on the server (mysql).");
        }

        if ((options.RepairInstances > 1 || options.CompareInstances) && !options.Kafka)
        {
            throw new ArgumentException("--repair-instances 2 and --compare-instances need --kafka true: the in-process bus has one consumer.");
        }

        if (options.Missing + options.Changed + options.Extra > options.Rows / 2)
        {
            throw new ArgumentException("Plant at most rows/2 differences in all.");
        }

        return options;
    }

    private static Dictionary<string, string> ParseSettings(string text) =>
        text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(
                pair => pair.Length == 2 && pair[0].Length > 0 ? pair[0] : throw new ArgumentException($"--set takes key=value pairs separated by ';', not '{string.Join('=', pair)}'."),
                pair => pair[1],
                StringComparer.OrdinalIgnoreCase);

    private static (int, int, int) ParseMix(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 3 || !parts.All(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            throw new ArgumentException($"--mix is three percentages, updates/inserts/deletes, such as 70/20/10; not '{text}'.");
        }

        var (u, i, d) = (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture), int.Parse(parts[2], CultureInfo.InvariantCulture));
        return u + i + d == 100 ? (u, i, d) : throw new ArgumentException($"--mix must add up to 100, not {u + i + d}.");
    }
}
