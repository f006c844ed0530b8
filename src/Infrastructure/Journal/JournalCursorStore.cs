using Microsoft.EntityFrameworkCore;
using Migration.Domain;
using Migration.Infrastructure.State;

namespace Migration.Infrastructure.Journal;

/// <summary>The incremental runs' journal cursors in the control database (<see cref="JournalCursorRow"/>), so a resumed run goes on from them.</summary>
internal sealed class JournalCursorStore(ControlDatabase control, TimeProvider time)
{
    /// <summary>The run's cursors of <paramref name="table"/> by side; a side it has none for is missing.</summary>
    public async Task<Dictionary<Direction, long>> LoadAsync(Guid runId, string table, CancellationToken cancellationToken)
    {
        await using var context = control.CreateContext();
        var rows = await context.Set<JournalCursorRow>().AsNoTracking()
            .Where(c => c.RunId == runId && c.Table == table)
            .ToListAsync(cancellationToken);
        return rows.ToDictionary(r => DirectionExtensions.TryParseWire(r.Side, out var side) ? side : Direction.Src, r => r.Seq);
    }

    /// <summary>Every cursor of the run: (table, side) → seq.</summary>
    public async Task<IReadOnlyList<(string Table, Direction Side, long Seq)>> LoadRunAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using var context = control.CreateContext();
        var rows = await context.Set<JournalCursorRow>().AsNoTracking().Where(c => c.RunId == runId).ToListAsync(cancellationToken);
        return rows.ConvertAll(r => (r.Table, DirectionExtensions.TryParseWire(r.Side, out var side) ? side : Direction.Src, r.Seq));
    }

    /// <summary>Stores the run's cursors of <paramref name="table"/>, and forgets those of older runs.</summary>
    public async Task SaveAsync(Guid runId, string table, IReadOnlyDictionary<Direction, long> cursors, CancellationToken cancellationToken)
    {
        await using var context = control.CreateContext();
        var set = context.Set<JournalCursorRow>();
        var stored = await set.Where(c => c.RunId == runId && c.Table == table).ToListAsync(cancellationToken);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var (side, seq) in cursors)
        {
            var row = stored.FirstOrDefault(r => r.Side == side.ToWire());
            if (row is null)
            {
                set.Add(new JournalCursorRow { RunId = runId, Table = table, Side = side.ToWire(), Seq = seq, SavedAtMs = now });
            }
            else
            {
                (row.Seq, row.SavedAtMs) = (seq, now);
            }
        }

        await context.SaveChangesAsync(cancellationToken);
        await set.Where(c => c.RunId != runId).ExecuteDeleteAsync(cancellationToken);
    }
}
