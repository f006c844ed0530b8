using Microsoft.EntityFrameworkCore;
using Migration.Application.Abstractions;
using Migration.Domain.Runs;

namespace Migration.Infrastructure.State;

/// <summary>
/// Checkpoints in the control database: the run's settings per kind, and one row per (kind, table). Each save also
/// writes the run's row of the history (<c>migration_runs</c>, see <see cref="Reports.EfRunHistory"/>) in the same
/// transaction, which keeps the run's repair flag too. A table's rolling sweep has a row of its own (<see cref="SweepCheckpointRow"/>).
/// </summary>
internal sealed class EfRunCheckpointStore(ControlDatabase control) : IRunCheckpointStore
{
    public async Task SaveAsync(RunCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        await using var context = control.CreateContext();
        await using var transaction = await context.Database.BeginTransactionAsync(cancellationToken);
        var kind = checkpoint.Kind.ToString();
        var runs = context.Set<RunCheckpointRow>();
        var run = await runs.SingleOrDefaultAsync(r => r.Kind == kind, cancellationToken);
        if (run is null)
        {
            run = new RunCheckpointRow();
            runs.Add(run);
        }

        run.CopyFrom(checkpoint);
        var tables = context.Set<TableCheckpointRow>();
        var stored = await tables.Where(t => t.Kind == kind).ToListAsync(cancellationToken);
        tables.RemoveRange(stored.Where(s => !checkpoint.Tables.Any(t => t.Table == s.Table)));
        for (var i = 0; i < checkpoint.Tables.Count; i++)
        {
            var table = checkpoint.Tables[i];
            var row = stored.FirstOrDefault(s => s.Table == table.Table);
            var added = row is null;
            row ??= new TableCheckpointRow();
            row.CopyFrom(checkpoint.Kind, checkpoint.RunId, i, table);
            if (added)
            {
                // Tracked only once its key is set: two new rows with the default key would collide in the change tracker.
                tables.Add(row);
            }
        }

        var sweeps = context.Set<SweepCheckpointRow>();
        var storedSweeps = await sweeps.Where(t => t.Kind == kind).ToListAsync(cancellationToken);
        sweeps.RemoveRange(storedSweeps.Where(s => !checkpoint.Tables.Any(t => t.Table == s.Table && t.Sweep is not null)));
        foreach (var table in checkpoint.Tables.Where(t => t.Sweep is not null))
        {
            var row = storedSweeps.FirstOrDefault(s => s.Table == table.Table);
            var added = row is null;
            row ??= new SweepCheckpointRow();
            row.CopyFrom(checkpoint.Kind, checkpoint.RunId, table.Table, table.Sweep!);
            if (added)
            {
                sweeps.Add(row);
            }
        }

        var history = context.Set<RunRecord>();
        var record = await history.SingleOrDefaultAsync(r => r.RunId == checkpoint.RunId, cancellationToken);
        if (record is null)
        {
            record = new RunRecord();
            history.Add(record);
        }

        record.CopyFrom(checkpoint);

        await context.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<RunCheckpoint>> LoadAsync(CancellationToken cancellationToken)
    {
        await using var context = control.CreateContext();
        var runs = await context.Set<RunCheckpointRow>().AsNoTracking().ToListAsync(cancellationToken);
        var tables = await context.Set<TableCheckpointRow>().AsNoTracking().ToListAsync(cancellationToken);
        var sweeps = await context.Set<SweepCheckpointRow>().AsNoTracking().ToListAsync(cancellationToken);
        var ids = runs.ConvertAll(r => r.RunId);
        var reportOnly = await context.Set<RunRecord>().AsNoTracking()
            .Where(r => EF.Constant(ids).Contains(r.RunId) && !r.Repair)
            .Select(r => r.RunId)
            .ToListAsync(cancellationToken);
        // A run saved before runs could be report-only has no history row: it was repairing.
        return runs.ConvertAll(r =>
        {
            var checkpoint = r.ToCheckpoint(tables.Where(t => t.Kind == r.Kind)) with { Repair = !reportOnly.Contains(r.RunId) };
            var swept = sweeps.Where(s => s.Kind == r.Kind && s.RunId == r.RunId).ToList();
            return swept.Count == 0 ? checkpoint : checkpoint with
            {
                Tables = checkpoint.Tables.Select(t => swept.FirstOrDefault(s => s.Table == t.Table) is { } s ? t with { Sweep = s.ToCheckpoint() } : t).ToArray(),
            };
        });
    }
}
