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

    /// <summary>Every write in order: the id, its utime (ms) and when it was written (Stopwatch ticks).</summary>
    private readonly ConcurrentQueue<Write> _writes = new();
    private readonly ConcurrentBag<double> _writeToRepairedMs = [];
    private readonly ConcurrentDictionary<long, long> _lastUtime = new();
    private long _updates;

    public long Updates => Interlocked.Read(ref _updates);

    public IReadOnlyCollection<double> WriteToRepairedMs => _writeToRepairedMs;

    public int Outstanding => _writes.Count;

    /// <summary>The utime of the last write to each id.</summary>
    public IReadOnlyDictionary<long, long> WrittenUtimes => _lastUtime;

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
                _writes.Enqueue(new Write(id, utime, writtenAt));
                _lastUtime[id] = utime;
            }

            Interlocked.Add(ref _updates, ids.Length);
        }
    }

    /// <summary>
    /// Polls the target for the oldest outstanding writes until cancelled, recording each write once the target holds
    /// it (or a newer one). Only the head of the queue is looked at, so a backlog does not make the polling heavier.
    /// </summary>
    public async Task WatchAsync(CancellationToken cancellationToken)
    {
        await using var connection = new MySqlConnection(targetConnectionString);
        await connection.OpenAsync(cancellationToken);
        var recorded = new HashSet<Write>();
        try
        {
            while (true)
            {
                var head = _writes.Take(1_000).ToArray();
                if (head.Length > 0)
                {
                    var onTarget = new Dictionary<long, long>();
                    await using (var command = new MySqlCommand(
                        $"SELECT id, utime FROM users WHERE id IN ({string.Join(',', head.Select(w => w.Id).Distinct())})", connection))
                    await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
                    {
                        while (await reader.ReadAsync(cancellationToken))
                        {
                            onTarget[reader.GetInt64(0)] = reader.GetInt64(1);
                        }
                    }

                    var now = Stopwatch.GetTimestamp();
                    foreach (var write in head.Where(w => onTarget.GetValueOrDefault(w.Id, long.MinValue) >= w.Utime && recorded.Add(w)))
                    {
                        _writeToRepairedMs.Add(Stopwatch.GetElapsedTime(write.WrittenAt, now).TotalMilliseconds);
                    }

                    while (_writes.TryPeek(out var first) && recorded.Remove(first))
                    {
                        _writes.TryDequeue(out _);
                    }
                }

                await Task.Delay(20, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private sealed record Write(long Id, long Utime, long WrittenAt);

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
