using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using MySqlConnector;

namespace Migration.Bench;

/// <summary>
/// Writes a mix of updates, inserts and deletes to the source only (as if the target's half of each double write were
/// lost) at a fixed rate, through several connections. Every 20 ms the schedule's writes are drawn (ids of live rows for
/// updates and deletes, new ids for inserts) and split by id over the connections, so the writes to one id go out in
/// order on one connection; each connection sends its share as one round trip of up to three statements (one multi-row
/// <c>UPDATE … WHERE id IN</c>, one multi-row <c>INSERT</c>, one <c>DELETE … WHERE id IN</c>; autocommit, so three
/// transactions). A write's <c>utime</c> is the wall clock when it is sent. A connection that falls behind makes the
/// generator wait (a bounded queue of a second per connection), and the shortfall shows in the achieved rate.
/// </summary>
internal sealed class IncrementalLoad
{
    private const int TicksPerSecond = 50;

    private readonly string _source;
    private readonly WriteLedger _ledger;
    private readonly (int Updates, int Inserts, int Deletes) _mix;
    private readonly int _connections;
    private readonly long[] _live;
    private int _liveCount;
    private long _nextId;

    public IncrementalLoad(string sourceConnectionString, int rows, BenchOptions options)
    {
        _source = sourceConnectionString;
        _mix = options.Mix;
        _connections = options.Connections;
        var capacity = (int)Math.Min(int.MaxValue - 1, (long)options.WritesPerSecond * (options.Seconds + 1));
        var maxId = rows + (long)capacity + 1;
        _ledger = new WriteLedger(capacity, maxId);
        _live = new long[maxId];
        for (var i = 0; i < rows; i++)
        {
            _live[i] = i + 1;
        }

        _liveCount = rows;
        _nextId = rows + 1;
    }

    public WriteLedger Ledger => _ledger;

    private long _failures;

    /// <summary>Round trips that failed (the writes in them are left unacknowledged and out of the figures).</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Writes <paramref name="perSecond"/> rows a second for <paramref name="duration"/>.</summary>
    public async Task WriteAsync(int perSecond, TimeSpan duration, CancellationToken cancellationToken)
    {
        var queues = Enumerable.Range(0, _connections)
            .Select(_ => Channel.CreateBounded<List<int>>(new BoundedChannelOptions(TicksPerSecond) { SingleReader = true, SingleWriter = true }))
            .ToArray();
        var senders = queues.Select(q => SendAsync(q.Reader, cancellationToken)).ToArray();
        try
        {
            var random = new Random(42);
            var clock = Stopwatch.StartNew();
            double owed = 0, owedUpdates = 0, owedInserts = 0;
            var ticks = (long)(duration.TotalSeconds * TicksPerSecond);
            var picked = new HashSet<long>();
            for (var tick = 0L; tick < ticks && clock.Elapsed < duration; tick++)
            {
                var due = TimeSpan.FromSeconds((double)tick / TicksPerSecond) - clock.Elapsed;
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, cancellationToken);
                }

                // Fractions carry over, so any rate and mix come out right over a second.
                owed += (double)perSecond / TicksPerSecond;
                var n = (int)owed;
                owed -= n;
                owedUpdates += n * _mix.Updates / 100.0;
                owedInserts += n * _mix.Inserts / 100.0;
                var updates = (int)owedUpdates;
                var inserts = (int)owedInserts;
                owedUpdates -= updates;
                owedInserts -= inserts;
                var deletes = n - updates - inserts;

                var batches = new List<int>[_connections];
                void Route(WriteKind kind, long id) =>
                    (batches[id % _connections] ??= []).Add(_ledger.Add(kind, id));

                picked.Clear();
                for (var i = 0; i < deletes && _liveCount > 0; i++)
                {
                    var slot = random.Next(_liveCount);
                    var id = _live[slot];
                    _live[slot] = _live[--_liveCount];
                    picked.Add(id);
                    Route(WriteKind.Delete, id);
                }

                for (var i = 0; i < updates && _liveCount > picked.Count; i++)
                {
                    var id = _live[random.Next(_liveCount)];
                    if (picked.Add(id))
                    {
                        Route(WriteKind.Update, id);
                    }
                    else
                    {
                        i--; // drawn twice in one tick: draw again
                    }
                }

                for (var i = 0; i < inserts; i++)
                {
                    var id = _nextId++;
                    _live[_liveCount++] = id;
                    Route(WriteKind.Insert, id);
                }

                for (var c = 0; c < _connections; c++)
                {
                    if (batches[c] is { } batch)
                    {
                        await queues[c].Writer.WriteAsync(batch, cancellationToken);
                    }
                }
            }
        }
        finally
        {
            foreach (var q in queues)
            {
                q.Writer.TryComplete();
            }

            await Task.WhenAll(senders);
        }
    }

    private async Task SendAsync(ChannelReader<List<int>> queue, CancellationToken cancellationToken)
    {
        await using var connection = new MySqlConnection(_source);
        await connection.OpenAsync(cancellationToken);
        var lastUtime = 0L;
        var sql = new StringBuilder();
        await foreach (var batch in queue.ReadAllAsync(cancellationToken))
        {
            // Strictly increasing per connection, so two writes to one id never share a utime.
            var now = Now();
            var utime = Math.Max(now, lastUtime + 1);
            lastUtime = utime;
            foreach (var index in batch)
            {
                ref var r = ref _ledger[index];
                r.UtimeMs = utime;
                r.SentMs = now;
            }

            sql.Clear();
            var u = Ids(batch, WriteKind.Update);
            var i = Ids(batch, WriteKind.Insert);
            var d = Ids(batch, WriteKind.Delete);
            var t = utime.ToString(CultureInfo.InvariantCulture);
            if (u.Count > 0)
            {
                sql.Append(CultureInfo.InvariantCulture, $"UPDATE users SET name = 'load {t}', utime = {t} WHERE id IN ({string.Join(',', u)});");
            }

            if (i.Count > 0)
            {
                sql.Append("INSERT INTO users (id, name, email, age, balance, ctime, utime) VALUES ");
                sql.AppendJoin(',', i.Select(id => string.Create(CultureInfo.InvariantCulture, $"({id}, 'new {id}', 'new{id}@example.com', 30, 1.00, {t}, {t})")));
                sql.Append(';');
            }

            if (d.Count > 0)
            {
                sql.Append(CultureInfo.InvariantCulture, $"DELETE FROM users WHERE id IN ({string.Join(',', d)});");
            }

            try
            {
                await using var command = new MySqlCommand(sql.ToString(), connection);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (MySqlException)
            {
                Interlocked.Increment(ref _failures);
                continue;
            }

            var ack = Now();
            foreach (var index in batch)
            {
                _ledger[index].AckMs = ack;
            }
        }

        List<long> Ids(List<int> batch, WriteKind kind) => batch.Where(x => _ledger[x].Kind == kind).Select(x => _ledger[x].Id).ToList();
    }

    public static long Now() => TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// Adds the repair log and the triggers that fill it to the target: the server's clock for every row the repair
    /// inserts, updates or deletes there (the load never writes the target), so nothing polls the target's rows.
    /// </summary>
    public static async Task PrepareTargetAsync(string targetConnectionString)
    {
        await using var connection = new MySqlConnection(targetConnectionString);
        await connection.OpenAsync();
        await BenchDatabase.ExecuteAsync(connection, """
            CREATE TABLE repair_log (seq BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, id BIGINT NOT NULL, utime BIGINT NOT NULL, at BIGINT NOT NULL);
            CREATE TRIGGER users_repaired_insert AFTER INSERT ON users FOR EACH ROW
              INSERT INTO repair_log (id, utime, at) VALUES (NEW.id, NEW.utime, ROUND(UNIX_TIMESTAMP(SYSDATE(6)) * 1000));
            CREATE TRIGGER users_repaired_update AFTER UPDATE ON users FOR EACH ROW
              INSERT INTO repair_log (id, utime, at) VALUES (NEW.id, NEW.utime, ROUND(UNIX_TIMESTAMP(SYSDATE(6)) * 1000));
            CREATE TRIGGER users_repaired_delete AFTER DELETE ON users FOR EACH ROW
              INSERT INTO repair_log (id, utime, at) VALUES (OLD.id, -1, ROUND(UNIX_TIMESTAMP(SYSDATE(6)) * 1000));
            """);
    }
}

/// <summary>
/// Reads the target's repair log as it grows and marks the writes each entry repaired. Entries may commit out of
/// their sequence order (several repair lanes), so each read starts a few thousand entries back: marking is idempotent.
/// </summary>
internal sealed class RepairLogReader(string targetConnectionString, WriteLedger ledger) : IAsyncDisposable
{
    private const long Overlap = 5_000;
    private readonly SemaphoreSlim _one = new(1, 1);
    private MySqlConnection? _connection;
    private long _lastSeq;

    /// <summary>Reads what the log gained since the last read (the watcher and the drain both call it, one at a time).</summary>
    public async Task ReadAsync(CancellationToken cancellationToken)
    {
        await _one.WaitAsync(cancellationToken);
        try
        {
            await ReadNewAsync(cancellationToken);
        }
        finally
        {
            _one.Release();
        }
    }

    private async Task ReadNewAsync(CancellationToken cancellationToken)
    {
        if (_connection is null)
        {
            _connection = new MySqlConnection(targetConnectionString);
            await _connection.OpenAsync(cancellationToken);
        }

        await using var command = new MySqlCommand(
            $"SELECT seq, id, utime, at FROM repair_log WHERE seq > {Math.Max(0, _lastSeq - Overlap)} ORDER BY seq", _connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var utime = reader.GetInt64(2);
            ledger.Repaired(reader.GetInt64(1), utime, deleted: utime < 0, reader.GetInt64(3));
            _lastSeq = Math.Max(_lastSeq, reader.GetInt64(0));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        _one.Dispose();
    }
}
