using Migration.Application.Abstractions;
using Migration.Domain;

namespace Migration.Infrastructure.DoubleWrite;

internal sealed class DoubleWriteUnitOfWorkFactory(DoubleWriter writer) : IMigratedUnitOfWorkFactory
{
    public IMigratedUnitOfWork Begin() => new DoubleWriteUnitOfWork(writer);
}

/// <summary>Collects writes and hands them to <see cref="DoubleWriter"/> in one commit. Each row may appear once per unit.</summary>
internal sealed class DoubleWriteUnitOfWork(DoubleWriter writer) : IMigratedUnitOfWork
{
    private readonly List<PendingWrite> _writes = [];
    private readonly HashSet<(Type, long)> _rows = [];
    private bool _committed;

    public IMigratedUnitOfWork Insert<TEntity>(TEntity entity)
        where TEntity : class, IMigratedEntity => Add(new InsertWrite<TEntity>(entity), typeof(TEntity), entity.Id);

    public IMigratedUnitOfWork Update<TEntity>(TEntity entity)
        where TEntity : class, IMigratedEntity => Add(new UpdateWrite<TEntity>(entity), typeof(TEntity), entity.Id);

    public IMigratedUnitOfWork Delete<TEntity>(long id)
        where TEntity : class, IMigratedEntity => Add(new DeleteWrite<TEntity>(id), typeof(TEntity), id);

    public Task<WriteResult> CommitAsync(CancellationToken cancellationToken)
    {
        if (_committed)
        {
            throw new InvalidOperationException("This unit of work has been committed already; begin a new one.");
        }

        _committed = true;
        return writer.CommitAsync(_writes, cancellationToken);
    }

    private DoubleWriteUnitOfWork Add(PendingWrite write, Type entityType, long id)
    {
        if (_committed)
        {
            throw new InvalidOperationException("This unit of work has been committed already; begin a new one.");
        }

        // New rows (id 0) get their ids on commit; any other row once, so each row has one outcome and one utime.
        if (id != 0 && !_rows.Add((entityType, id)))
        {
            throw new InvalidOperationException($"Row {entityType.Name}:{id} is written twice in one unit of work.");
        }

        _writes.Add(write);
        return this;
    }
}
