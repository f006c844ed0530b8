using System.Globalization;

namespace Migration.Bench;

internal enum WriteKind : byte
{
    Update,
    Insert,
    Delete,
}

/// <summary>One row written to the source: when it was sent and acknowledged, detected and repaired (Unix ms, 0 = not yet).</summary>
internal struct WriteRecord
{
    public long Id;
    public long UtimeMs;
    public long SentMs;
    public long AckMs;
    public long DetectedMs;
    public long RepairedMs;

    /// <summary>The previous write to the same id, or -1.</summary>
    public int Previous;
    public WriteKind Kind;
}

/// <summary>
/// Every write of an incremental run, held in arrays sized and touched before the run starts, so the process's working
/// set measures the service and not the bench's own bookkeeping. Writes to one id are chained, newest first: a
/// detection or a repair of the id marks the writes it covers.
/// </summary>
internal sealed class WriteLedger
{
    private readonly Lock _lock = new();
    private readonly WriteRecord[] _records;
    private readonly int[] _lastWrite;
    private int _count;

    public WriteLedger(int capacity, long maxId)
    {
        _records = new WriteRecord[capacity];
        _records.AsSpan().Fill(default);
        _lastWrite = new int[maxId + 1];
        _lastWrite.AsSpan().Fill(-1);
    }

    public int Count => Volatile.Read(ref _count);

    public bool IsFull => Count >= _records.Length;

    /// <summary>Approximate bytes the ledger holds (all of it resident from the start).</summary>
    public long Bytes => (long)_records.Length * 56 + (long)_lastWrite.Length * 4;

    /// <summary>Records a write about to be sent; returns its index.</summary>
    public int Add(WriteKind kind, long id)
    {
        lock (_lock)
        {
            var index = _count;
            ref var r = ref _records[index];
            r.Id = id;
            r.Kind = kind;
            r.Previous = _lastWrite[id];
            _lastWrite[id] = index;
            Volatile.Write(ref _count, index + 1);
            return index;
        }
    }

    public ref WriteRecord this[int index] => ref _records[index];

    /// <summary>
    /// Validation published a difference of <paramref name="id"/> it confirmed at <paramref name="confirmedMs"/>: every
    /// write sent by then and not detected yet is detected at <paramref name="publishedMs"/>.
    /// </summary>
    public void Detected(long id, long confirmedMs, long publishedMs)
    {
        if (id < 0 || id >= _lastWrite.Length)
        {
            return;
        }

        lock (_lock)
        {
            for (var i = _lastWrite[id]; i >= 0; i = _records[i].Previous)
            {
                ref var r = ref _records[i];
                if (r.DetectedMs != 0)
                {
                    break; // writes to one id go out in order on one connection: the older ones were detected too
                }

                if (r.SentMs != 0 && r.SentMs <= confirmedMs)
                {
                    r.DetectedMs = publishedMs;
                }
            }
        }
    }

    /// <summary>
    /// The target's row <paramref name="id"/> was written at <paramref name="atMs"/> with <paramref name="utime"/>, or
    /// deleted (<paramref name="deleted"/>): the writes it brings the target up to are repaired then.
    /// </summary>
    public void Repaired(long id, long utime, bool deleted, long atMs)
    {
        if (id < 0 || id >= _lastWrite.Length)
        {
            return;
        }

        lock (_lock)
        {
            for (var i = _lastWrite[id]; i >= 0; i = _records[i].Previous)
            {
                ref var r = ref _records[i];
                if (r.RepairedMs != 0)
                {
                    break;
                }

                if (r.SentMs == 0)
                {
                    continue;
                }

                // A deletion on the target covers every write to the id (a deleted id is never written again); an
                // upsert covers the writes up to the utime it copied.
                if (deleted || (r.Kind != WriteKind.Delete && r.UtimeMs <= utime))
                {
                    r.RepairedMs = atMs;
                }
            }
        }
    }

    /// <summary>Figures of the writes between two instants: acknowledged, detected and repaired in it, and outstanding at its end.</summary>
    public WindowFigures Window(long fromMs, long toMs)
    {
        var figures = new WindowFigures();
        var count = Count;
        for (var i = 0; i < count; i++)
        {
            ref var r = ref _records[i];
            var ack = r.AckMs;
            if (ack == 0 || ack > toMs)
            {
                continue;
            }

            var delete = r.Kind == WriteKind.Delete;
            if (ack > fromMs)
            {
                figures.Acked++;
            }

            var detected = r.DetectedMs;
            if (detected > fromMs && detected <= toMs)
            {
                (delete ? figures.DeleteDetected : figures.Detected).Add(Math.Max(0, detected - ack));
            }

            var repaired = r.RepairedMs;
            if (repaired > fromMs && repaired <= toMs)
            {
                (delete ? figures.DeleteRepaired : figures.Repaired).Add(Math.Max(0, repaired - ack));
            }

            if (!delete && (repaired == 0 || repaired > toMs) && !Vanished(i))
            {
                figures.Unrepaired++;
            }
        }

        return figures;
    }

    /// <summary>
    /// Whether the write's row never reached the target and is gone from the source: the id was inserted by the run
    /// and deleted again before validation copied it (no write of the id was ever repaired). Nothing is left to detect
    /// or repair for such a write; the comparison of both tables at the end proves it.
    /// </summary>
    public bool Vanished(int index)
    {
        var id = _records[index].Id;
        var newest = _lastWrite[id];
        if (_records[newest].Kind != WriteKind.Delete || _records[newest].AckMs == 0)
        {
            return false;
        }

        var inserted = false;
        for (var i = newest; i >= 0; i = _records[i].Previous)
        {
            if (_records[i].RepairedMs != 0)
            {
                return false;
            }

            inserted |= _records[i].Kind == WriteKind.Insert;
        }

        return inserted;
    }

    /// <summary>
    /// Delays of every acknowledged write of one group; a write never detected or repaired counts as infinite, except
    /// one that <see cref="Vanished"/> (counted apart). A write detected only through another event of its row counts
    /// as detected when its row was repaired (<c>Covered</c>).
    /// </summary>
    public (List<double> Detected, List<double> Repaired, long Count, long Vanished, long Covered) Delays(bool deletes)
    {
        var detected = new List<double>();
        var repaired = new List<double>();
        long n = 0, vanished = 0, covered = 0;
        for (var i = 0; i < Count; i++)
        {
            ref var r = ref _records[i];
            if (r.AckMs == 0 || (r.Kind == WriteKind.Delete) != deletes)
            {
                continue;
            }

            n++;
            if ((r.DetectedMs == 0 || r.RepairedMs == 0) && Vanished(i))
            {
                vanished++;
                continue;
            }

            // A write whose row the repair brought up to it before an event of its own reported it (an event of the
            // same row read it) was found and repaired by then: its detection is bounded by that repair.
            var found = r.DetectedMs == 0 || (r.RepairedMs != 0 && r.RepairedMs < r.DetectedMs) ? r.RepairedMs : r.DetectedMs;
            covered += r.DetectedMs == 0 && r.RepairedMs != 0 ? 1 : 0;
            detected.Add(found == 0 ? double.PositiveInfinity : Math.Max(0, found - r.AckMs));
            repaired.Add(r.RepairedMs == 0 ? double.PositiveInfinity : Math.Max(0, r.RepairedMs - r.AckMs));
        }

        return (detected, repaired, n, vanished, covered);
    }

    /// <summary>Acknowledged writes of one kind.</summary>
    public long CountAcked(WriteKind kind)
    {
        long n = 0;
        for (var i = 0; i < Count; i++)
        {
            if (_records[i].AckMs != 0 && _records[i].Kind == kind)
            {
                n++;
            }
        }

        return n;
    }

    /// <summary>Acknowledged updates and inserts not repaired yet (and not <see cref="Vanished"/>).</summary>
    public long Unrepaired()
    {
        long n = 0;
        for (var i = 0; i < Count; i++)
        {
            ref var r = ref _records[i];
            if (r.AckMs != 0 && r.Kind != WriteKind.Delete && r.RepairedMs == 0 && !Vanished(i))
            {
                n++;
            }
        }

        return n;
    }

    /// <summary><c>p50 …, p99 …, max …</c>; "never" for a write that was not detected or repaired.</summary>
    public static string Percentiles(List<double> samples, bool withMax = true)
    {
        if (samples.Count == 0)
        {
            return "no samples";
        }

        samples.Sort();
        return string.Create(CultureInfo.InvariantCulture,
            $"p50 {Ms(Percentile(samples, 0.50))}, p99 {Ms(Percentile(samples, 0.99))}{(withMax ? $", max {Ms(samples[^1])}" : "")} ({samples.Count:N0})");
    }

    /// <summary>The <paramref name="p"/> quantile of sorted samples (nearest rank).</summary>
    public static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    public static string Ms(double ms) => double.IsPositiveInfinity(ms) ? "never" : double.IsNaN(ms) ? "-" : string.Create(CultureInfo.InvariantCulture, $"{ms:F0} ms");
}

/// <summary>What one reporting window saw.</summary>
internal sealed class WindowFigures
{
    public long Acked;
    public long Unrepaired;
    public List<double> Detected { get; } = [];
    public List<double> Repaired { get; } = [];
    public List<double> DeleteDetected { get; } = [];
    public List<double> DeleteRepaired { get; } = [];
}
