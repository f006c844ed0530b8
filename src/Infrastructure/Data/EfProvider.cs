using Microsoft.EntityFrameworkCore;
using Migration.Infrastructure.Options;

namespace Migration.Infrastructure.Data;

/// <summary>
/// Points EF Core at one database, SQLite or MySQL. The MySQL server version is detected on first use (one
/// connection), unless configured.
/// </summary>
internal sealed class EfProvider(DatabaseProvider provider, string connectionString, string? serverVersion)
{
    private readonly Lazy<ServerVersion> _serverVersion = new(() => string.IsNullOrWhiteSpace(serverVersion)
        ? ServerVersion.AutoDetect(connectionString)
        : ServerVersion.Parse(serverVersion));

    public DbContextOptions<TContext> Options<TContext>()
        where TContext : DbContext
    {
        var builder = new DbContextOptionsBuilder<TContext>();
        if (provider == DatabaseProvider.MySql)
        {
            builder.UseMySql(connectionString, _serverVersion.Value);
        }
        else
        {
            builder.UseSqlite(connectionString);
        }

        return builder.Options;
    }
}
