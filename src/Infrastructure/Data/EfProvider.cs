using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Migration.Infrastructure.Options;

namespace Migration.Infrastructure.Data;

/// <summary>
/// Points EF Core at one database, SQLite or MySQL. The MySQL server version is detected on first use (one
/// connection), unless configured. Every context gets the database's command timeout and its session
/// <paramref name="interceptor"/>.
/// </summary>
internal sealed class EfProvider(
    DatabaseProvider provider, string connectionString, string? serverVersion, DatabaseTimeouts timeouts, IInterceptor interceptor)
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
            builder.UseMySql(connectionString, _serverVersion.Value, mysql => mysql.CommandTimeout(timeouts.EfCommandSeconds(provider)));
        }
        else
        {
            builder.UseSqlite(connectionString, sqlite => sqlite.CommandTimeout(timeouts.EfCommandSeconds(provider)));
        }

        builder.AddInterceptors(interceptor);

        return builder.Options;
    }
}
