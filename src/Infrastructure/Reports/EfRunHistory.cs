using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Migration.Application.Abstractions;
using Migration.Domain.Runs;
using Migration.Infrastructure.Options;
using Migration.Infrastructure.State;

namespace Migration.Infrastructure.Reports;

/// <summary>
/// The run history in the control database (<c>migration_runs</c>), written with each checkpoint
/// (<see cref="EfRunCheckpointStore"/>) and cut to the last <see cref="ReportOptions.KeepRuns"/> runs when one ends.
/// </summary>
internal sealed class EfRunHistory(ControlDatabase control, IOptions<MigrationOptions> options, TimeProvider time) : IRunHistory
{
    /// <summary>A run that saved its checkpoint this recently is still running somewhere: it is never deleted.</summary>
    private static readonly TimeSpan _alive = TimeSpan.FromMinutes(10);

    private static readonly string _running = RunStatus.Running.ToString();

    public async Task<IReadOnlyList<HistoricRun>> ListAsync(long? before, int limit, CancellationToken cancellationToken)
    {
        await using var context = control.CreateContext();
        var query = context.Set<RunRecord>().AsNoTracking();
        if (before is { } position)
        {
            query = query.Where(r => r.Position < position);
        }

        var rows = await query.OrderByDescending(r => r.Position).Take(limit).ToListAsync(cancellationToken);
        return rows.ConvertAll(r => new HistoricRun(r.Position, r.ToCheckpoint()));
    }

    public async Task<RunCheckpoint?> GetAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using var context = control.CreateContext();
        var row = await context.Set<RunRecord>().AsNoTracking().SingleOrDefaultAsync(r => r.RunId == runId, cancellationToken);
        return row?.ToCheckpoint();
    }

    public async Task<int> PruneAsync(CancellationToken cancellationToken)
    {
        var keep = options.Value.Report.KeepRuns;
        var aliveSince = (time.GetUtcNow() - _alive).ToUnixTimeMilliseconds();
        await using var context = control.CreateContext();
        var runs = context.Set<RunRecord>();
        var old = await runs.AsNoTracking()
            .OrderByDescending(r => r.Position)
            .Skip(keep)
            .Where(r => r.Status != _running || r.SavedAtMs < aliveSince)
            .Select(r => r.RunId)
            .ToListAsync(cancellationToken);
        if (old.Count == 0)
        {
            return 0;
        }

        var differences = context.Set<DifferenceRecord>();
        foreach (var chunk in old.Chunk(500))
        {
            await differences.Where(d => d.RunId != null && EF.Constant(chunk).Contains(d.RunId.Value)).ExecuteDeleteAsync(cancellationToken);
            await runs.Where(r => EF.Constant(chunk).Contains(r.RunId)).ExecuteDeleteAsync(cancellationToken);
        }

        // The double write's reports belong to no run: they go once older than every run kept.
        var oldestKept = await runs.MinAsync(r => (long?)r.StartedAtMs, cancellationToken);
        if (oldestKept is { } since)
        {
            await differences.Where(d => d.RunId == null && d.DetectedAtMs < since).ExecuteDeleteAsync(cancellationToken);
        }

        return old.Count;
    }
}
