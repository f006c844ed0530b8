using Microsoft.Extensions.Options;
using Migration.Application.Abstractions;
using Migration.Domain;
using Migration.Domain.Runs;
using Migration.Infrastructure.Options;

namespace Migration.Infrastructure.Journal;

/// <summary>
/// Measures both sides' journals: their size, their oldest entry, and the oldest entry the running incremental run (as
/// its stored checkpoint and journal cursors say, whichever instance runs it) has not verified yet.
/// </summary>
internal sealed class JournalMonitor(
    WriteJournal journal,
    JournalCursorStore cursors,
    IRunCheckpointStore checkpoints,
    IOptions<MigrationOptions> options,
    TimeProvider time,
    TriggerChangeCapture capture,
    ITableCatalog catalog) : IWriteJournalMonitor
{
    private JournalStatus? _last;

    public JournalStatus? Snapshot() => Volatile.Read(ref _last);

    public void Invalidate() => Volatile.Write(ref _last, null);

    public async Task<JournalStatus> RecentAsync(CancellationToken cancellationToken) =>
        Snapshot() is { MeasuredAt: { } at } last && time.GetUtcNow() - at < TimeSpan.FromMilliseconds(options.Value.Journal.TrimIntervalMs)
            ? last
            : await ReadAsync(cancellationToken);

    public async Task<JournalStatus> ReadAsync(CancellationToken cancellationToken)
    {
        var running = await RunningAsync(cancellationToken);
        var now = time.GetUtcNow();
        var sides = new List<JournalSideStatus>();
        foreach (var side in new[] { Direction.Src, Direction.Dst })
        {
            var (rows, oldest) = await journal.MeasureAsync(side, cancellationToken);
            long? unverified = null;
            if (running is { } r && rows > 0)
            {
                foreach (var table in r.Run.Tables.Select(t => t.Table))
                {
                    var after = r.Cursors.FirstOrDefault(c => c.Table == table && c.Side == side).Seq;
                    if (await journal.OldestAfterAsync(side, table, after, cancellationToken) is { } at)
                    {
                        // Entries written before the run started are not its to verify.
                        var age = now.ToUnixTimeMilliseconds() - Math.Max(at, r.Run.Utime);
                        unverified = Math.Max(unverified ?? 0, Math.Max(0, age));
                    }
                }
            }

            sides.Add(new JournalSideStatus(side.ToWire(), rows, oldest is { } o ? Math.Max(0, now.ToUnixTimeMilliseconds() - o) : null, unverified)
            {
                Triggers = side == Direction.Src ? await TriggersAsync(cancellationToken) : null,
            });
        }

        var status = new JournalStatus(options.Value.Journal.Enabled, sides, now);
        Volatile.Write(ref _last, status);
        return status;
    }

    /// <summary>The configured tables with change-capture triggers on the source; null when the tables are not resolved.</summary>
    private async Task<IReadOnlyList<string>?> TriggersAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await capture.InstalledAsync((await catalog.GetAsync(cancellationToken)).Tables.Select(t => t.Name), cancellationToken);
        }
        catch (Application.Common.TableShapeException)
        {
            return null;
        }
    }

    /// <summary>The running incremental run and its stored journal cursors; null when none runs.</summary>
    public async Task<(RunCheckpoint Run, IReadOnlyList<(string Table, Direction Side, long Seq)> Cursors)?> RunningAsync(CancellationToken cancellationToken)
    {
        var run = (await checkpoints.LoadAsync(cancellationToken)).SingleOrDefault(c => c.Kind == RunKind.Incremental && c.Status == RunStatus.Running);
        return run is null ? null : (run, await cursors.LoadRunAsync(run.RunId, cancellationToken));
    }
}
