using Microsoft.EntityFrameworkCore;
using Migration.Application.Abstractions;
using Migration.Domain.Patterns;
using Migration.Infrastructure.Data;

namespace Migration.Infrastructure.DoubleWrite;

/// <summary>
/// The pool's repository for any entity mapped on the sides: reads from the primary side of the pattern applied now,
/// writes through <see cref="DoubleWriter"/>. Keys, the table and the version come from the EF Core model
/// (<see cref="MigratedTable"/>). Registered once as an open generic, so putting another table under migration takes
/// its entity and its EF Core configuration, not a new repository.
/// </summary>
internal sealed class DoubleWriteRepository<TEntity>(SideDatabases databases, IPatternStore patterns, DoubleWriter writer, MigratedTables tables)
    : IMigratedRepository<TEntity>
    where TEntity : class
{
    public async Task<TEntity?> GetAsync(object[] key, CancellationToken cancellationToken)
    {
        var table = tables.For<TEntity>();
        var values = table.Normalize(key);
        await using var context = await PrimaryContextAsync(cancellationToken);
        return await context.Set<TEntity>().AsNoTracking().SingleOrDefaultAsync(table.Matches<TEntity>(values), cancellationToken);
    }

    public async Task<IReadOnlyList<TEntity>> ListAsync(Func<IQueryable<TEntity>, IQueryable<TEntity>> query, CancellationToken cancellationToken)
    {
        await using var context = await PrimaryContextAsync(cancellationToken);
        return await query(context.Set<TEntity>().AsNoTracking()).ToListAsync(cancellationToken);
    }

    public async Task<TEntity> InsertAsync(TEntity entity, CancellationToken cancellationToken)
    {
        await writer.CommitAsync([new InsertWrite<TEntity>(tables.For<TEntity>(), entity)], cancellationToken);
        return entity;
    }

    public async Task<TEntity> UpdateAsync(TEntity entity, CancellationToken cancellationToken)
    {
        await writer.CommitAsync([new UpdateWrite<TEntity>(tables.For<TEntity>(), entity)], cancellationToken);
        return entity;
    }

    public async Task<bool> DeleteAsync(object[] key, CancellationToken cancellationToken)
    {
        var table = tables.For<TEntity>();
        var write = new DeleteWrite<TEntity>(table, table.Normalize(key));
        await writer.CommitAsync([write], cancellationToken);
        return write.Found;
    }

    private async Task<SideDbContext> PrimaryContextAsync(CancellationToken cancellationToken) =>
        databases[(await patterns.GetAsync(cancellationToken)).Primary()].CreateContext();
}
