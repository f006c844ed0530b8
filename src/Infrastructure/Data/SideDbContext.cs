using Microsoft.EntityFrameworkCore;
using Migration.Domain.Users;

namespace Migration.Infrastructure.Data;

/// <summary>The EF Core model of one side. Both sides share it: the migrated table has the same shape on each.</summary>
internal sealed class SideDbContext(DbContextOptions<SideDbContext> options) : DbContext(options)
{
    public DbSet<User> Users => Set<User>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(
            typeof(SideDbContext).Assembly,
            type => type.Namespace == typeof(SideDbContext).Namespace + ".Configurations");
}
