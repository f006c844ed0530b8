using Microsoft.EntityFrameworkCore;

namespace Migration.Infrastructure.State;

/// <summary>
/// The migration's own state, shared by every instance of the service: the double-write pattern, instance
/// heartbeats, the event outbox and run checkpoints. It lives in the control database
/// (<c>Migration:Control</c>), by default a SQLite file beside the embedded sides.
/// Entities register themselves through <see cref="IEntityTypeConfiguration{TEntity}"/> classes in
/// <c>State/Configurations</c>.
/// </summary>
internal sealed class ControlDbContext(DbContextOptions<ControlDbContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(
            typeof(ControlDbContext).Assembly,
            type => type.Namespace == typeof(ControlDbContext).Namespace + ".Configurations");
}
