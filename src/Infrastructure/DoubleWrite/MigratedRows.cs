using Microsoft.EntityFrameworkCore;
using Migration.Infrastructure.Data;
using Migration.Infrastructure.Options;

namespace Migration.Infrastructure.DoubleWrite;

internal static class MigratedRows
{
    /// <summary>
    /// Reads the row inside the open write transaction and keeps it from changing until the commit, so concurrent
    /// writes to one row apply one after the other. MySQL needs <c>FOR UPDATE</c> for that; SQLite needs nothing more,
    /// since its write transaction (<c>BEGIN IMMEDIATE</c>) holds the database's write lock from the start.
    /// </summary>
    /// <param name="key">The key's values of the properties' types.</param>
    public static async Task<TEntity?> FindForUpdateAsync<TEntity>(
        SideDbContext context, SideDatabase side, MigratedTable table, IReadOnlyList<object?> key, CancellationToken cancellationToken)
        where TEntity : class
    {
        if (side.Provider != DatabaseProvider.MySql)
        {
            return await context.Set<TEntity>().SingleOrDefaultAsync(table.Matches<TEntity>(key), cancellationToken);
        }

        // Not composed further, so EF Core sends this statement as it is (a composed one would wrap it in a subquery).
        var rows = await context.Set<TEntity>().FromSqlRaw(table.SelectForUpdate(), table.ParameterValues(key)!).ToListAsync(cancellationToken);
        return rows.SingleOrDefault();
    }
}
