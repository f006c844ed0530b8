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
    int UpdatesPerSecond,
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
          --chunk N             rows per checksum chunk, 0 = no checksum fast path (default 4000, as the service)
          --parallelism N       chunks validated at once (default 2)
          --updates N           incremental mode: updates per second written to the source (default 2000)
          --seconds N           incremental mode: how long the load runs (default 10)
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

        var options = new BenchOptions(
            Int("rows", 1_000_000),
            Int("missing", 1_000),
            Int("changed", 1_000),
            Int("extra", 1_000),
            Text("layout", "scattered") == "clustered",
            Text("mode", "full"),
            Int("batch", 1_000),
            Int("chunk", 4_000),
            Int("parallelism", 2),
            Int("updates", 2_000),
            Int("seconds", 10),
            Int("runs", 1),
            values.Remove("mysql", out var cs) ? cs : null);
        options = options with
        {
            RowsTotal = Int("rows-total", options.RowsTotal),
            DriftPerMillion = Int("drift", options.DriftPerMillion),
            PtTableSync = bool.Parse(Text("pt-table-sync", "true")),
            Setup = bool.Parse(Text("setup", "true")),
            BufferPoolMb = Int("buffer-pool-mb", options.Mode == "schema" ? 4096 : options.BufferPoolMb),
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

        if (options.Missing + options.Changed + options.Extra > options.Rows / 2)
        {
            throw new ArgumentException("Plant at most rows/2 differences in all.");
        }

        return options;
    }
}
