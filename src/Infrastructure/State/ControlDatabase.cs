using Migration.Infrastructure.Data;
using Migration.Infrastructure.Options;

namespace Migration.Infrastructure.State;

/// <summary>Creates contexts on the control database.</summary>
internal sealed class ControlDatabase(DatabaseProvider provider, string connectionString, string? serverVersion)
{
    private readonly EfProvider _ef = new(provider, connectionString, serverVersion);

    public ControlDbContext CreateContext() => new(_ef.Options<ControlDbContext>());
}
