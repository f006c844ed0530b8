using Migration.Application.Abstractions;

namespace Migration.Infrastructure.DoubleWrite;

internal sealed class DoubleWriteUnitOfWorkFactory(DoubleWriter writer, MigratedTables tables) : IMigratedUnitOfWorkFactory
{
    public IMigratedUnitOfWork Begin() => new DoubleWriteUnitOfWork(writer, tables);
}

/// <summary>
/// Collects writes of any entity types of the pool and hands them to <see cref="DoubleWriter"/> in one commit. Each row
/// may appear once per unit.
/// </summary>
internal sealed class DoubleWriteUnitOfWork(DoubleWriter writer, MigratedTables tables) : IMigratedUnitOfWork
{
    private readonly List<PendingWrite> _writes = [];
    private readonly HashSet<string> _rows = [];
    private bool _committed;

    public IMigratedUnitOfWork Insert<TEntity>(TEntity entity)
        where TEntity : class => Add(new InsertWrite<TEntity>(tables.For<TEntity>(), entity));

    public IMigratedUnitOfWork Update<TEntity>(TEntity entity)
        where TEntity : class => Add(new UpdateWrite<TEntity>(tables.For<TEntity>(), entity));

    public IMigratedUnitOfWork Delete<TEntity>(object[] key)
        where TEntity : class
    {
        var table = tables.For<TEntity>();
        return Add(new DeleteWrite<TEntity>(table, table.Normalize(key)));
    }

    public Task<WriteResult> CommitAsync(CancellationToken cancellationToken)
    {
        if (_committed)
        {
            throw new InvalidOperationException("This unit of work has been committed already; begin a new one.");
        }

        _committed = true;
        return writer.CommitAsync(_writes, cancellationToken);
    }

    private DoubleWriteUnitOfWork Add(PendingWrite write)
    {
        if (_committed)
        {
            throw new InvalidOperationException("This unit of work has been committed already; begin a new one.");
        }

        // New rows whose key the primary generates get it on commit; any other row once, so each row has one outcome
        // and one version.
        if (write.KeyValues is not null && !_rows.Add(write.Key))
        {
            throw new InvalidOperationException($"Row {write.Key} is written twice in one unit of work.");
        }

        _writes.Add(write);
        return this;
    }
}
