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
    public const string Usage = """
        Migration.Bench: validation speed against MariaDB/MySQL.
          --rows N              rows per side (default 1000000)
          --missing N           rows planted missing in the target (default 1000)
          --changed N           rows planted with a different email in the target (default 1000)
          --extra N             rows planted only in the target (default 1000)
          --layout L            scattered (default) or clustered
          --mode M              full (default), full-rows (row-level path only) or incremental
          --batch N             rows per query and side (default 1000)
          --chunk N             rows per checksum chunk, 0 = no checksum fast path (default 4000, as the service)
          --parallelism N       chunks validated at once (default 2)
          --updates N           incremental mode: updates per second written to the source (default 2000)
          --seconds N           incremental mode: how long the load runs (default 10)
          --runs N              full modes: validate N times in one process and report each (default 1)
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
        if (values.Count > 0)
        {
            throw new ArgumentException($"Unknown option(s): {string.Join(", ", values.Keys)}.\n{Usage}");
        }

        if (options.Missing + options.Changed + options.Extra > options.Rows / 2)
        {
            throw new ArgumentException("Plant at most rows/2 differences in all.");
        }

        return options;
    }
}
