using Microsoft.EntityFrameworkCore;
using Migration.Application.Abstractions;
using Migration.Domain;
using Migration.Domain.Patterns;
using Migration.Infrastructure.Data;

namespace Migration.Infrastructure.DoubleWrite;

/// <summary>
/// The pool's repository for any entity mapped on the sides: reads from the primary side of the pattern applied now,
/// writes through <see cref="DoubleWriter"/>. Registered once as an open generic, so putting another table under
/// migration takes its entity and its EF Core configuration, not a new repository.
/// </summary>
internal sealed class DoubleWriteRepository<TEntity>(SideDatabases databases, IPatternStore patterns, DoubleWriter writer)
    : IMigratedRepository<TEntity>
    where TEntity : class, IMigratedEntity
{
    public async Task<TEntity?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var context = await PrimaryContextAsync(cancellationToken);
        return await context.Set<TEntity>().AsNoTracking().SingleOrDefaultAsync(e => e.Id == id, cancellationToken);
    }

    public async Task<IReadOnlyList<TEntity>> ListAsync(long afterId, int limit, CancellationToken cancellationToken)
    {
        await using var context = await PrimaryContextAsync(cancellationToken);
        return await context.Set<TEntity>().AsNoTracking()
            .Where(e => e.Id > afterId)
            .OrderBy(e => e.Id)
            .Take(limit)
            .ToListAsync(cancellationToken);
    }

    public async Task<TEntity> InsertAsync(TEntity entity, CancellationToken cancellationToken)
    {
        await writer.CommitAsync([new InsertWrite<TEntity>(entity)], cancellationToken);
        return entity;
    }

    public async Task<TEntity> UpdateAsync(TEntity entity, CancellationToken cancellationToken)
    {
        await writer.CommitAsync([new UpdateWrite<TEntity>(entity)], cancellationToken);
        return entity;
    }

    public async Task<bool> DeleteAsync(long id, CancellationToken cancellationToken)
    {
        var write = new DeleteWrite<TEntity>(id);
        await writer.CommitAsync([write], cancellationToken);
        return write.Found;
    }

    private async Task<SideDbContext> PrimaryContextAsync(CancellationToken cancellationToken) =>
        databases[(await patterns.GetAsync(cancellationToken)).Primary()].CreateContext();
}
