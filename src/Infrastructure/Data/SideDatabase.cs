using System.Data.Common;
using Microsoft.Data.Sqlite;
using Migration.Domain;
using Migration.Infrastructure.Options;
using MySqlConnector;

namespace Migration.Infrastructure.Data;

/// <summary>One side of the migration: how to connect to it, in ADO.NET for bulk reads and in EF Core for entities.</summary>
internal sealed class SideDatabase
{
    private readonly EfProvider _ef;
    private readonly string _configuredConnectionString;
    private readonly string? _serverVersion;
    private readonly DatabaseTimeoutTracker? _tracker;

    /// <param name="timeouts">Applied to every connection and context of this side.</param>
    /// <param name="tracker">Told of EF Core statements that time out on this side.</param>
    public SideDatabase(
        Direction side, DatabaseProvider provider, string connectionString, string? serverVersion, DatabaseTimeouts timeouts, DatabaseTimeoutTracker? tracker = null)
    {
        Side = side;
        Provider = provider;
        Timeouts = timeouts;
        _configuredConnectionString = connectionString;
        _serverVersion = serverVersion;
        _tracker = tracker;
        ConnectionString = timeouts.Apply(provider, connectionString);
        Dialect = provider == DatabaseProvider.MySql ? SqlDialect.MySql : SqlDialect.Sqlite;
        _ef = new EfProvider(provider, ConnectionString, serverVersion, timeouts, new DatabaseSessionInterceptor(timeouts, side.ToWire(), tracker));
    }

    public Direction Side { get; }

    public DatabaseProvider Provider { get; }

    public string ConnectionString { get; }

    public SqlDialect Dialect { get; }

    public DatabaseTimeouts Timeouts { get; }

    /// <summary>The server is MariaDB rather than MySQL (known after the first connection).</summary>
    public bool IsMariaDb { get; private set; }

    /// <summary>The same side with another command timeout, for statements that legitimately run long (validation's bulk reads).</summary>
    public SideDatabase WithCommandTimeout(int seconds) =>
        new(Side, Provider, _configuredConnectionString, _serverVersion, Timeouts with { CommandSeconds = seconds }, _tracker);

    /// <summary>An open connection whose commands and lock waits are bounded by <see cref="Timeouts"/>.</summary>
    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        DbConnection connection = Provider == DatabaseProvider.MySql
            ? new MySqlConnection(ConnectionString)
            : new SqliteConnection(ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            if (connection is MySqlConnection mysql)
            {
                IsMariaDb = mysql.ServerVersion.Contains("MariaDB", StringComparison.OrdinalIgnoreCase);
            }

            await Timeouts.StartSessionAsync(connection, cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public SideDbContext CreateContext() => new(_ef.Options<SideDbContext>());
}

/// <summary>The source and the target.</summary>
internal sealed class SideDatabases(SideDatabase source, SideDatabase target)
{
    public SideDatabase this[Direction side] => side == Direction.Src ? source : target;

    /// <summary>Both sides with another command timeout (see <see cref="SideDatabase.WithCommandTimeout"/>).</summary>
    public SideDatabases WithCommandTimeout(int seconds) => new(source.WithCommandTimeout(seconds), target.WithCommandTimeout(seconds));
}
