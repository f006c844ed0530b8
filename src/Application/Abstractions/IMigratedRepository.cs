using Migration.Domain;

namespace Migration.Application.Abstractions;

/// <summary>
/// Business code's access to a table under migration. Which side it reads and writes follows the current
/// double-write pattern: reads come from the primary side; a write commits on the primary, then is copied to the
/// secondary with the same key and <c>utime</c>. Business code never knows which side it talks to.
/// </summary>
/// <remarks>
/// A write that fails on the primary throws <see cref="Common.WriteFailedException"/> and nothing reaches the
/// secondary. A write that fails on the secondary is reported as an inconsistency at once (so the repair copies the
/// row) and, unless <c>Migration:DoubleWrite:StrictSecondary</c> is on, still succeeds.
/// </remarks>
public interface IMigratedRepository<TEntity>
    where TEntity : class, IMigratedEntity
{
    /// <summary>The row from the primary side, or null.</summary>
    Task<TEntity?> GetAsync(long id, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="limit"/> rows with an id greater than <paramref name="afterId"/>, by id, from the primary side.</summary>
    Task<IReadOnlyList<TEntity>> ListAsync(long afterId, int limit, CancellationToken cancellationToken);

    /// <summary>Inserts the row; on return <paramref name="entity"/> carries the id the primary assigned and the <c>utime</c> written.</summary>
    Task<TEntity> InsertAsync(TEntity entity, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the row with the same id; on return <paramref name="entity"/> carries the <c>utime</c> written.
    /// Optimistic: <paramref name="entity"/> must carry the <c>utime</c> it was read with, and the write is refused with
    /// <see cref="Common.ConflictException"/> if the row changed since. Throws <see cref="Common.NotFoundException"/>
    /// when the primary has no such row.
    /// </summary>
    Task<TEntity> UpdateAsync(TEntity entity, CancellationToken cancellationToken);

    /// <summary>Deletes the row on both sides; false when the primary had no such row.</summary>
    Task<bool> DeleteAsync(long id, CancellationToken cancellationToken);
}

/// <summary>
/// Several writes committed together: in one transaction on the primary side, then in one transaction on the
/// secondary. If the secondary fails, every row of the unit is reported as an inconsistency.
/// </summary>
public interface IMigratedUnitOfWork
{
    IMigratedUnitOfWork Insert<TEntity>(TEntity entity)
        where TEntity : class, IMigratedEntity;

    /// <summary>
    /// Replaces the row with the entity's id. The commit throws <see cref="Common.NotFoundException"/> if the primary has
    /// none, and <see cref="Common.ConflictException"/> if its <c>utime</c> is no longer the one the entity was read with.
    /// </summary>
    IMigratedUnitOfWork Update<TEntity>(TEntity entity)
        where TEntity : class, IMigratedEntity;

    /// <summary>Deletes the row if it exists.</summary>
    IMigratedUnitOfWork Delete<TEntity>(long id)
        where TEntity : class, IMigratedEntity;

    /// <summary>Commits every write registered so far; a unit commits once.</summary>
    Task<WriteResult> CommitAsync(CancellationToken cancellationToken);
}

/// <summary>Starts units of work on the double-write pool.</summary>
public interface IMigratedUnitOfWorkFactory
{
    IMigratedUnitOfWork Begin();
}

/// <summary>The outcome of a committed write.</summary>
/// <param name="Primary">The side written first, and read from: <c>SRC</c> or <c>DST</c>.</param>
/// <param name="Secondary">The side that received the copy, or null when the pattern writes one side only.</param>
/// <param name="SecondaryFailed">
/// True when the copy to the secondary failed (only returned when strict mode is off): the rows were reported as
/// inconsistencies for the repair.
/// </param>
/// <param name="Utime">The <c>utime</c> written to the last row of the unit, identical on both sides.</param>
public sealed record WriteResult(Direction Primary, Direction? Secondary, bool SecondaryFailed, long Utime);
