using System.Data.Common;
using Migration.Domain;
using Migration.Testing;
using MySqlConnector;

namespace Migration.WebApi.IntegrationTests.Infrastructure;

/// <summary>A fresh <c>src_*</c> and <c>dst_*</c> database on the shared MariaDB server, dropped on dispose.</summary>
public sealed class MariaDbTestDatabases : TestDatabases
{
    private readonly MariaDbServer _server;
    private readonly (string Name, string ConnectionString) _source;
    private readonly (string Name, string ConnectionString) _target;
    private string? _control;
    private Task<string>? _controlConnection;

    private MariaDbTestDatabases(MariaDbServer server, (string, string) source, (string, string) target)
    {
        _server = server;
        _source = source;
        _target = target;
    }

    internal static async Task<MariaDbTestDatabases> CreateAsync(MariaDbServer server)
    {
        var unique = Guid.NewGuid().ToString("N")[..16];
        var (source, target) = ($"src_{unique}", $"dst_{unique}");
        var sourceConnection = await server.CreateDatabaseAsync(source);
        try
        {
            var targetConnection = await server.CreateDatabaseAsync(target);
            return new MariaDbTestDatabases(server, (source, sourceConnection), (target, targetConnection));
        }
        catch
        {
            await server.DropDatabaseAsync(source);
            throw;
        }
    }

    public override string Provider => "MySql";

    /// <summary>A third database on the server for the service's control tables, created on the first call and dropped with the others.</summary>
    public Task<string> ControlConnectionStringAsync()
    {
        _control ??= _source.Name.Replace("src_", "ctl_", StringComparison.Ordinal);
        return _controlConnection ??= _server.CreateDatabaseAsync(_control);
    }

    public override string ConnectionString(Direction side) => (side == Direction.Src ? _source : _target).ConnectionString;

    public override async Task<DbConnection> OpenAsync(Direction side)
    {
        var connection = new MySqlConnection(ConnectionString(side));
        try
        {
            await connection.OpenAsync();
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await _server.DropDatabaseAsync(_source.Name);
        await _server.DropDatabaseAsync(_target.Name);
        if (_control is not null)
        {
            await _server.DropDatabaseAsync(_control);
        }

        await base.DisposeAsync();
    }
}
