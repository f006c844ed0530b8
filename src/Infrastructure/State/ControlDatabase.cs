using Migration.Infrastructure.Data;
using Migration.Infrastructure.Options;

namespace Migration.Infrastructure.State;

/// <summary>Creates contexts on the control database, bounded by its <paramref name="timeouts"/>.</summary>
internal sealed class ControlDatabase(
    DatabaseProvider provider, string connectionString, string? serverVersion, DatabaseTimeouts timeouts, DatabaseTimeoutTracker? tracker = null)
{
    private readonly EfProvider _ef = new(
        provider, timeouts.Apply(provider, connectionString), serverVersion, timeouts,
        new DatabaseSessionInterceptor(timeouts, DatabaseTimeoutTracker.Control, tracker));

    public DatabaseProvider Provider => provider;

    /// <summary>The connection string as configured (for describing a failure; it may hold a password).</summary>
    public string ConnectionString => connectionString;

    public ControlDbContext CreateContext() => new(_ef.Options<ControlDbContext>());
}
