using Microsoft.EntityFrameworkCore.ChangeTracking;
using Migration.Application.Common;
using Migration.Domain;
using Migration.Domain.Inconsistencies;
using Migration.Domain.Tables;
using Migration.Infrastructure.Data;

namespace Migration.Infrastructure.DoubleWrite;

/// <summary>
/// One row written through the pool. It is staged on the primary's context (inside its transaction, before
/// <c>SaveChanges</c>), captures the row as the primary stored it, and then stages that same row on the secondary's
/// context: same key, same <c>utime</c>, same values.
/// </summary>
internal abstract class PendingWrite(string entityName)
{
    public string Table { get; protected set; } = entityName;

    /// <summary>The row's key; 0 for an insert until the primary has assigned it.</summary>
    public long Id { get; protected set; }

    /// <summary>The <c>utime</c> written, identical on both sides.</summary>
    public long Utime { get; protected set; }

    /// <summary>The type of the event that reports the row when its copy to the secondary failed.</summary>
    public abstract InconsistencyType ReportedAs { get; }

    public string Key => Id == 0 ? $"{Table}:new" : $"{Table}:{Id}";

    /// <summary>The row's key column, known once staged on the primary.</summary>
    public string KeyColumn { get; protected set; } = "id";

    /// <summary>The row's key as events carry it.</summary>
    public RowKey RowKey => RowKey.Of(KeyColumn, Id);

    public abstract Task StageOnPrimaryAsync(SideDbContext context, SideDatabase side, long now, CancellationToken cancellationToken);

    /// <summary>
    /// Called after the primary's <c>SaveChanges</c>: takes a detached copy of the row as written, keys included; each
    /// attempt on the secondary makes its own entity from it, since an entity instance belongs to one context.
    /// </summary>
    public abstract void Capture(SideDbContext context);

    /// <param name="overwrite">
    /// The first attempt failed and is being repeated: an insert then also overwrites a row already there under its
    /// key (see <see cref="DoubleWriter"/>).
    /// </param>
    public abstract Task StageOnSecondaryAsync(
        SideDbContext context, SideDatabase side, DoubleWriteMonitor monitor, bool overwrite, CancellationToken cancellationToken);

    /// <summary>
    /// Set when an insert's copy found another row under its key on the secondary (an older version than the insert, so
    /// not this row copied there first): its version. That row is left alone and stored as a conflict.
    /// </summary>
    public long? ForeignVersionOnSecondary { get; protected set; }

    /// <summary>True for an insert: the only write whose first attempt on the secondary does not look the row up.</summary>
    public virtual bool IsInsert => false;

    /// <summary>
    /// Makes the secondary's row equal to <paramref name="written"/>: inserts it if missing, overwrites it unless the
    /// secondary already holds a newer version.
    /// </summary>
    protected async Task CopyRowAsync<TEntity>(
        SideDbContext context, SideDatabase side, TEntity written, DoubleWriteMonitor monitor, CancellationToken cancellationToken)
        where TEntity : class, IMigratedEntity
    {
        var stored = await MigratedRows.FindForUpdateAsync<TEntity>(context, side, Id, cancellationToken);
        if (stored is null)
        {
            context.Set<TEntity>().Add(written);
        }
        else if (stored.Utime > Utime)
        {
            // A newer write reached the secondary first (two writes to one row racing, perhaps across a pattern switch).
            // That write reaches the other side as well, so keeping it here leaves both sides with the newest version.
            monitor.SecondaryNewer();
        }
        else
        {
            context.Entry(stored).CurrentValues.SetValues(written);
        }
    }
}

internal sealed class InsertWrite<TEntity>(TEntity entity) : PendingWrite(typeof(TEntity).Name)
    where TEntity : class, IMigratedEntity
{
    private PropertyValues? _written;

    public override InconsistencyType ReportedAs => InconsistencyType.TargetMissing;

    public override Task StageOnPrimaryAsync(SideDbContext context, SideDatabase side, long now, CancellationToken cancellationToken)
    {
        (Table, KeyColumn) = MigratedTable<TEntity>.Names(context);
        Id = entity.Id;
        Utime = entity.Utime = now;
        context.Set<TEntity>().Add(entity);
        return Task.CompletedTask;
    }

    public override void Capture(SideDbContext context)
    {
        Id = entity.Id;
        _written = context.Entry(entity).CurrentValues.Clone();
    }

    public override bool IsInsert => true;

    public override async Task StageOnSecondaryAsync(
        SideDbContext context, SideDatabase side, DoubleWriteMonitor monitor, bool overwrite, CancellationToken cancellationToken)
    {
        if (overwrite)
        {
            // The first attempt met a row under this key. The repair may have copied this very row first (same version,
            // or newer if it has changed since); a row with an older version is another row, which is never overwritten.
            var stored = await MigratedRows.FindForUpdateAsync<TEntity>(context, side, Id, cancellationToken);
            if (stored is null)
            {
                context.Set<TEntity>().Add((TEntity)_written!.ToObject());
            }
            else if (stored.Utime >= Utime)
            {
                monitor.SecondaryNewer();
            }
            else
            {
                ForeignVersionOnSecondary = stored.Utime;
            }

            return;
        }

        // A plain INSERT with the primary's id, never the secondary's own auto-increment. No lookup first: on MySQL a
        // locking read of a missing key takes a gap lock, and concurrent inserts would deadlock on it.
        context.Set<TEntity>().Add((TEntity)_written!.ToObject());
    }
}

internal sealed class UpdateWrite<TEntity>(TEntity entity) : PendingWrite(typeof(TEntity).Name)
    where TEntity : class, IMigratedEntity
{
    private TEntity? _stored;
    private PropertyValues? _written;

    public override InconsistencyType ReportedAs => InconsistencyType.Neq;

    public override async Task StageOnPrimaryAsync(SideDbContext context, SideDatabase side, long now, CancellationToken cancellationToken)
    {
        (Table, KeyColumn) = MigratedTable<TEntity>.Names(context);
        Id = entity.Id;
        var stored = await MigratedRows.FindForUpdateAsync<TEntity>(context, side, entity.Id, cancellationToken)
            ?? throw new NotFoundException($"{Key} does not exist on {side.Side.ToWire()}, the primary side.");
        if (stored.Utime != entity.Utime)
        {
            throw new ConflictException(
                $"{Key} was changed by another write since it was read (utime {entity.Utime}, now {stored.Utime}); read it again and retry.",
                new Dictionary<string, object?> { ["row"] = Key, ["utime"] = stored.Utime });
        }

        // Strictly increasing per row, so the order of utimes is the order of commits even within one millisecond or
        // across instances whose clocks differ a little. The secondary relies on it to keep the newest version.
        Utime = entity.Utime = Math.Max(now, stored.Utime + 1);
        context.Entry(stored).CurrentValues.SetValues(entity);
        _stored = stored;
    }

    public override void Capture(SideDbContext context) => _written = context.Entry(_stored!).CurrentValues.Clone();

    public override Task StageOnSecondaryAsync(
        SideDbContext context, SideDatabase side, DoubleWriteMonitor monitor, bool overwrite, CancellationToken cancellationToken) =>
        // A row missing on the secondary (it drifted) is put back whole.
        CopyRowAsync(context, side, (TEntity)_written!.ToObject(), monitor, cancellationToken);
}

internal sealed class DeleteWrite<TEntity>(long id) : PendingWrite(typeof(TEntity).Name)
    where TEntity : class, IMigratedEntity
{
    /// <summary>Whether the primary had the row.</summary>
    public bool Found { get; private set; }

    public override InconsistencyType ReportedAs => InconsistencyType.BaseMissing;

    public override async Task StageOnPrimaryAsync(SideDbContext context, SideDatabase side, long now, CancellationToken cancellationToken)
    {
        (Table, KeyColumn) = MigratedTable<TEntity>.Names(context);
        Id = id;
        var stored = await MigratedRows.FindForUpdateAsync<TEntity>(context, side, id, cancellationToken);
        Found = stored is not null;
        if (stored is not null)
        {
            context.Set<TEntity>().Remove(stored);
        }
    }

    public override void Capture(SideDbContext context)
    {
    }

    public override async Task StageOnSecondaryAsync(
        SideDbContext context, SideDatabase side, DoubleWriteMonitor monitor, bool overwrite, CancellationToken cancellationToken)
    {
        // Also when the primary had no such row: the secondary must not keep one the truth does not have.
        var stored = await MigratedRows.FindForUpdateAsync<TEntity>(context, side, Id, cancellationToken);
        if (stored is not null)
        {
            context.Set<TEntity>().Remove(stored);
        }
    }
}
