using Microsoft.EntityFrameworkCore;
using Migration.Application.Abstractions;
using Migration.Domain.Runs;

namespace Migration.Infrastructure.State;

/// <summary>Checkpoints in the control database, one row per run kind.</summary>
internal sealed class EfRunCheckpointStore(ControlDatabase control) : IRunCheckpointStore
{
    public async Task SaveAsync(RunCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        await using var context = control.CreateContext();
        var rows = context.Set<RunCheckpointRow>();
        var kind = checkpoint.Kind.ToString();
        var row = await rows.SingleOrDefaultAsync(r => r.Kind == kind, cancellationToken);
        if (row is null)
        {
            row = new RunCheckpointRow();
            rows.Add(row);
        }

        row.CopyFrom(checkpoint);
        await context.SaveChangesAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<RunCheckpoint>> LoadAsync(CancellationToken cancellationToken)
    {
        await using var context = control.CreateContext();
        var rows = await context.Set<RunCheckpointRow>().AsNoTracking().ToListAsync(cancellationToken);
        return rows.ConvertAll(r => r.ToCheckpoint());
    }
}
