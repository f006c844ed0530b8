using Microsoft.EntityFrameworkCore;
using Migration.Domain.Orders;
using Migration.Domain.Users;

namespace Migration.Infrastructure.Data;

/// <summary>
/// The EF Core model of one side. Both sides share it: the migrated tables have the same shape on each. Every entity
/// mapped here (one <c>IEntityTypeConfiguration</c> under Configurations) can be written through the double-write pool.
/// </summary>
internal sealed class SideDbContext(DbContextOptions<SideDbContext> options) : DbContext(options)
{
    public DbSet<User> Users => Set<User>();

    public DbSet<OrderLine> OrderLines => Set<OrderLine>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(
            typeof(SideDbContext).Assembly,
            type => type.Namespace == typeof(SideDbContext).Namespace + ".Configurations");
}
