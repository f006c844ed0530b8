using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using MySqlConnector;

namespace Migration.Bench;

/// <summary>
/// Writes updates to the source only (as if the target's half of each double write were lost) at a fixed rate,
/// and watches the target until each update has been copied there by the repair.
/// </summary>
internal sealed class IncrementalLoad(string sourceConnectionString, string targetConnectionString, int rows)
{
    private const int TicksPerSecond = 50;

    /// <summary>Latest write per id: its utime (ms) and when it was written (Stopwatch ticks).</summary>
    private readonly ConcurrentDictionary<long, (long Utime, long WrittenAt)> _writes = new();
    private readonly ConcurrentBag<double> _writeToRepairedMs = [];
    private long _updates;

    public long Updates => Interlocked.Read(ref _updates);

    public IReadOnlyCollection<double> WriteToRepairedMs => _writeToRepairedMs;

    public int Outstanding => _writes.Count;

    /// <summary>Writes <paramref name="perSecond"/> updates a second for <paramref name="duration"/>, in ticks of 20 ms.</summary>
    public async Task WriteAsync(int perSecond, TimeSpan duration, CancellationToken cancellationToken)
    {
        await using var connection = new MySqlConnection(sourceConnectionString);
        await connection.OpenAsync(cancellationToken);
        var random = new Random(42);
        var perTick = Math.Max(1, perSecond / TicksPerSecond);
        var clock = Stopwatch.StartNew();
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
            var writtenAt = Stopwatch.GetTimestamp();
            foreach (var id in ids)
            {
                _writes[id] = (utime, writtenAt);
            }

            Interlocked.Add(ref _updates, ids.Length);
        }
    }

    /// <summary>Polls the target for the ids with outstanding writes until cancelled, recording each write once it is there.</summary>
    public async Task WatchAsync(CancellationToken cancellationToken)
    {
        await using var connection = new MySqlConnection(targetConnectionString);
        await connection.OpenAsync(cancellationToken);
        try
        {
            while (true)
            {
                var ids = _writes.Keys.Take(5_000).ToArray();
                if (ids.Length > 0)
                {
                    await using var command = new MySqlCommand($"SELECT id, utime FROM users WHERE id IN ({string.Join(',', ids)})", connection);
                    await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                    var now = Stopwatch.GetTimestamp();
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        var (id, utime) = (reader.GetInt64(0), reader.GetInt64(1));
                        if (_writes.TryGetValue(id, out var write) && utime >= write.Utime && _writes.TryRemove(new(id, write)))
                        {
                            _writeToRepairedMs.Add(Stopwatch.GetElapsedTime(write.WrittenAt, now).TotalMilliseconds);
                        }
                    }
                }

                await Task.Delay(10, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
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
