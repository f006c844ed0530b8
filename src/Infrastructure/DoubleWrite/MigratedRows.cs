using Microsoft.EntityFrameworkCore;
using Migration.Domain;
using Migration.Infrastructure.Data;
using Migration.Infrastructure.Options;

namespace Migration.Infrastructure.DoubleWrite;

/// <summary>Where an entity type lives on the sides, read once from the EF Core model of <see cref="SideDbContext"/>.</summary>
internal static class MigratedTable<TEntity>
    where TEntity : class, IMigratedEntity
{
    private static (string Table, string KeyColumn)? _names;

    public static string Name(DbContext context) => Names(context).Table;

    public static (string Table, string KeyColumn) Names(DbContext context) => _names ??= Read(context);

    private static (string Table, string KeyColumn) Read(DbContext context)
    {
        var type = context.Model.FindEntityType(typeof(TEntity))
            ?? throw new InvalidOperationException(
                $"{typeof(TEntity).Name} is not mapped on the sides: add its IEntityTypeConfiguration under Infrastructure/Data/Configurations.");
        var key = type.FindPrimaryKey();
        if (key is not { Properties: [{ Name: nameof(IMigratedEntity.Id) } keyProperty] })
        {
            throw new InvalidOperationException($"{typeof(TEntity).Name} must have its {nameof(IMigratedEntity.Id)} property as its only key.");
        }

        return (type.GetTableName()!, keyProperty.GetColumnName());
    }
}

internal static class MigratedRows
{
    /// <summary>
    /// Reads the row inside the open write transaction and keeps it from changing until the commit, so concurrent
    /// writes to one row apply one after the other. MySQL needs <c>FOR UPDATE</c> for that; SQLite needs nothing more,
    /// since its write transaction (<c>BEGIN IMMEDIATE</c>) holds the database's write lock from the start.
    /// </summary>
    public static async Task<TEntity?> FindForUpdateAsync<TEntity>(SideDbContext context, SideDatabase side, long id, CancellationToken cancellationToken)
        where TEntity : class, IMigratedEntity
    {
        if (side.Provider != DatabaseProvider.MySql)
        {
            return await context.Set<TEntity>().SingleOrDefaultAsync(e => e.Id == id, cancellationToken);
        }

        var (table, keyColumn) = MigratedTable<TEntity>.Names(context);
        var sql = $"SELECT * FROM {SqlDialect.Quote(table)} WHERE {SqlDialect.Quote(keyColumn)} = {{0}} FOR UPDATE";
        // Not composed further, so EF Core sends this statement as it is (a composed one would wrap it in a subquery).
        var rows = await context.Set<TEntity>().FromSqlRaw(sql, id).ToListAsync(cancellationToken);
        return rows.SingleOrDefault();
    }
}
