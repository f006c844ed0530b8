using System.Globalization;
using MySqlConnector;

namespace Migration.Bench;

/// <summary>
/// Writes updates to the source only (as if the target's half of each double write were lost) at a fixed rate, and
/// afterwards tells when each one reached the target. The target records that itself: a trigger logs the server's
/// clock for every row the repair writes, so nothing polls the target while the load runs.
/// </summary>
internal sealed class IncrementalLoad(string sourceConnectionString, string targetConnectionString, int rows)
{
    private const int TicksPerSecond = 50;

    /// <summary>Every write: the id and its utime, which is the wall-clock time of the write in ms.</summary>
    private readonly List<(long Id, long Utime)> _writes = [];
    private readonly Dictionary<long, long> _lastUtime = [];

    public long Updates => _writes.Count;

    /// <summary>The utime of the last write to each id.</summary>
    public IReadOnlyDictionary<long, long> WrittenUtimes => _lastUtime;

    /// <summary>Adds the log table and the trigger that fills it to the target.</summary>
    public async Task PrepareTargetAsync()
    {
        await using var connection = new MySqlConnection(targetConnectionString);
        await connection.OpenAsync();
        await BenchDatabase.ExecuteAsync(connection, """
            CREATE TABLE repair_log (id BIGINT NOT NULL, utime BIGINT NOT NULL, at DATETIME(6) NOT NULL);
            CREATE TRIGGER users_repaired AFTER UPDATE ON users FOR EACH ROW
              INSERT INTO repair_log VALUES (NEW.id, NEW.utime, SYSDATE(6));
            """);
    }

    /// <summary>Writes <paramref name="perSecond"/> updates a second for <paramref name="duration"/>, in ticks of 20 ms.</summary>
    public async Task WriteAsync(int perSecond, TimeSpan duration, CancellationToken cancellationToken)
    {
        await using var connection = new MySqlConnection(sourceConnectionString);
        await connection.OpenAsync(cancellationToken);
        var random = new Random(42);
        var perTick = Math.Max(1, perSecond / TicksPerSecond);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var tick = 0; clock.Elapsed < duration; tick++)
        {
            // Keep to the schedule: sleep only until the next tick is due.
            var due = TimeSpan.FromSeconds((double)tick / TicksPerSecond) - clock.Elapsed;
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, cancellationToken);
            }

            var ids = Enumerable.Range(0, perTick).Select(_ => (long)random.Next(1, rows + 1)).Distinct().ToArray();
            var utime = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
            await using var command = new MySqlCommand(
                $"UPDATE users SET name = CONCAT('load ', {tick}), utime = {utime} WHERE id IN ({string.Join(',', ids)})", connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
            foreach (var id in ids)
            {
                _writes.Add((id, utime));
                _lastUtime[id] = utime;
            }
        }
    }

    /// <summary>How many written ids the target does not hold yet at their last written utime (or a newer one).</summary>
    public async Task<int> CountOutstandingAsync()
    {
        await using var connection = new MySqlConnection(targetConnectionString);
        await connection.OpenAsync();
        var outstanding = 0;
        foreach (var chunk in _lastUtime.Chunk(5_000))
        {
            var onTarget = new Dictionary<long, long>();
            await using var command = new MySqlCommand($"SELECT id, utime FROM users WHERE id IN ({string.Join(',', chunk.Select(w => w.Key))})", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                onTarget[reader.GetInt64(0)] = reader.GetInt64(1);
            }

            outstanding += chunk.Count(w => onTarget.GetValueOrDefault(w.Key, long.MinValue) < w.Value);
        }

        return outstanding;
    }

    /// <summary>
    /// For every write the target received: ms from the write to the first repair that brought the target to its utime
    /// or a newer one.
    /// </summary>
    public async Task<List<double>> WriteToRepairedMsAsync()
    {
        var repairs = new Dictionary<long, List<(long Utime, double AtMs)>>();
        await using var connection = new MySqlConnection(targetConnectionString);
        await connection.OpenAsync();
        await using (var command = new MySqlCommand("SELECT id, utime, UNIX_TIMESTAMP(at) * 1000 FROM repair_log ORDER BY at", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var id = reader.GetInt64(0);
                (repairs.TryGetValue(id, out var list) ? list : repairs[id] = []).Add((reader.GetInt64(1), (double)reader.GetDecimal(2)));
            }
        }

        var delays = new List<double>();
        foreach (var (id, utime) in _writes)
        {
            if (repairs.TryGetValue(id, out var list) && list.FirstOrDefault(r => r.Utime >= utime) is { AtMs: > 0 } repaired)
            {
                delays.Add(repaired.AtMs - utime);
            }
        }

        return delays;
    }

    public static string Percentiles(IReadOnlyCollection<double> samples)
    {
        if (samples.Count == 0)
        {
            return "no samples";
        }

        var sorted = samples.Order().ToArray();
        double At(double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        return string.Create(CultureInfo.InvariantCulture, $"p50 {At(0.50):F0} ms, p99 {At(0.99):F0} ms, max {sorted[^1]:F0} ms ({sorted.Length:N0} samples)");
    }
}
