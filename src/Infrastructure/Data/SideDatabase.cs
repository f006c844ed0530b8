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

    public SideDatabase(Direction side, DatabaseProvider provider, string connectionString, string? serverVersion)
    {
        Side = side;
        Provider = provider;
        ConnectionString = connectionString;
        Dialect = provider == DatabaseProvider.MySql ? SqlDialect.MySql : SqlDialect.Sqlite;
        _ef = new EfProvider(provider, connectionString, serverVersion);
    }

    public Direction Side { get; }

    public DatabaseProvider Provider { get; }

    public string ConnectionString { get; }

    public SqlDialect Dialect { get; }

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        DbConnection connection = Provider == DatabaseProvider.MySql
            ? new MySqlConnection(ConnectionString)
            : new SqliteConnection(ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
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
}
