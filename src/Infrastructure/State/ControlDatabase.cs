using Microsoft.EntityFrameworkCore;
using Migration.Infrastructure.Options;

namespace Migration.Infrastructure.State;

/// <summary>Creates contexts on the control database.</summary>
internal sealed class ControlDatabase(DatabaseProvider provider, string connectionString, string? serverVersion)
{
    private readonly Lazy<ServerVersion>? _serverVersion = provider == DatabaseProvider.MySql
        ? new Lazy<ServerVersion>(() => string.IsNullOrWhiteSpace(serverVersion) ? ServerVersion.AutoDetect(connectionString) : ServerVersion.Parse(serverVersion))
        : null;

    public ControlDbContext CreateContext()
    {
        var builder = new DbContextOptionsBuilder<ControlDbContext>();
        if (provider == DatabaseProvider.MySql)
        {
            builder.UseMySql(connectionString, _serverVersion!.Value);
        }
        else
        {
            builder.UseSqlite(connectionString);
        }

        return new ControlDbContext(builder.Options);
    }
}
