using Migration.Domain;

namespace Migration.Application.Abstractions;

/// <summary>
/// Business code's access to a table under migration: any entity type mapped on the sides' EF Core model. Which side it
/// reads and writes follows the current double-write pattern: reads come from the primary side; a write commits on the
/// primary, then is copied to the secondary with the same key (the primary's, explicitly) and the same values. Business
/// code never knows which side it talks to.
/// </summary>
/// <remarks>
/// <para>
/// A key is given as its values in the order of the entity's primary key in the EF Core model (<c>[42L]</c> for a
/// single key, <c>[orderId, lineNo]</c> for a composite one); a value of another numeric type is converted, a value that
/// cannot be is refused with <see cref="ArgumentException"/>.
/// </para>
/// <para>
/// An entity that implements <see cref="IVersioned"/> is versioned: every write sets its <c>Utime</c>, and an update is
/// optimistic. One that does not is written without those checks.
/// </para>
/// <para>
/// A write that fails on the primary throws <see cref="Common.WriteFailedException"/> and nothing reaches the
/// secondary. A write that fails on the secondary is reported as an inconsistency at once (so the repair copies the
/// row) and, unless <c>Migration:DoubleWrite:StrictSecondary</c> is on, still succeeds.
/// </para>
/// </remarks>
public interface IMigratedRepository<TEntity>
    where TEntity : class
{
    /// <summary>The row with this key from the primary side, or null.</summary>
    /// <param name="key">The key's values, in the order of the primary key's columns.</param>
    Task<TEntity?> GetAsync(object[] key, CancellationToken cancellationToken);

    /// <summary>
    /// The rows <paramref name="query"/> selects from the primary side, untracked. The query should bound its size
    /// (<c>Take</c>) and order by the key for keyset pages, e.g. <c>q =&gt; q.Where(u =&gt; u.Id &gt; after).OrderBy(u =&gt; u.Id).Take(100)</c>.
    /// </summary>
    Task<IReadOnlyList<TEntity>> ListAsync(Func<IQueryable<TEntity>, IQueryable<TEntity>> query, CancellationToken cancellationToken);

    /// <summary>
    /// Inserts the row; on return <paramref name="entity"/> carries the key the primary generated, if the database
    /// generates it, and the <c>utime</c> written. Throws <see cref="Common.ConflictException"/> when the primary already
    /// holds a row under the key.
    /// </summary>
    Task<TEntity> InsertAsync(TEntity entity, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the row with the same key; on return <paramref name="entity"/> carries the <c>utime</c> written.
    /// Throws <see cref="Common.NotFoundException"/> when the primary has no such row. For a versioned entity the write is
    /// optimistic: <paramref name="entity"/> must carry the <c>utime</c> it was read with, and the write is refused with
    /// <see cref="Common.ConflictException"/> if the row changed since.
    /// </summary>
    Task<TEntity> UpdateAsync(TEntity entity, CancellationToken cancellationToken);

    /// <summary>Deletes the row with this key on both sides; false when the primary had no such row.</summary>
    Task<bool> DeleteAsync(object[] key, CancellationToken cancellationToken);
}

/// <summary>
/// Several writes committed together, of one entity type or several: in one transaction on the primary side, then in
/// one transaction on the secondary. If the secondary fails, every row of the unit is reported as an inconsistency.
/// </summary>
public interface IMigratedUnitOfWork
{
    /// <summary>Inserts the row. The commit throws <see cref="Common.ConflictException"/> if the primary already has its key.</summary>
    IMigratedUnitOfWork Insert<TEntity>(TEntity entity)
        where TEntity : class;

    /// <summary>
    /// Replaces the row with the entity's key. The commit throws <see cref="Common.NotFoundException"/> if the primary has
    /// none, and, for a versioned entity, <see cref="Common.ConflictException"/> if its <c>utime</c> is no longer the one
    /// the entity was read with.
    /// </summary>
    IMigratedUnitOfWork Update<TEntity>(TEntity entity)
        where TEntity : class;

    /// <summary>Deletes the row with this key if it exists.</summary>
    IMigratedUnitOfWork Delete<TEntity>(object[] key)
        where TEntity : class;

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
/// <param name="Utime">The <c>utime</c> written to the last row of the unit, identical on both sides; 0 when that row is not versioned.</param>
public sealed record WriteResult(Direction Primary, Direction? Secondary, bool SecondaryFailed, long Utime);
