using System.Net;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>
/// A start that fails — a database that cannot be reached or used, a bad configuration, a port in use — ends the
/// built service (a process of its own) with exit code 2 and one line on standard error naming what failed, where
/// and why; no stack trace unless logging is at debug, and no heartbeat of an instance that never ran.
/// </summary>
public sealed class StartupFailureTests : IAsyncLifetime
{
    private static readonly TimeSpan _exitWithin = TimeSpan.FromSeconds(60);
    private readonly SqliteTestDatabases _databases = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _databases.DisposeAsync();

    /// <summary>The embedded default in the test's folder (a good control database), with these settings on top.</summary>
    private Dictionary<string, string?> Settings(params (string Key, string? Value)[] settings)
    {
        var all = new Dictionary<string, string?>
        {
            ["Migration:DataDirectory"] = _databases.DataDirectory,
            ["Migration:Seed:Rows"] = "20",
            ["Auth:ApiKeys:0:Key"] = MigrationApi.OperatorKey,
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        return all;
    }

    /// <summary>Runs the service until it exits; asserts exit code 2, one line on stderr, no stack trace; returns the line.</summary>
    private static async Task<string> FailedStartAsync(Dictionary<string, string?> settings)
    {
        using var service = ServiceProcess.Start(settings);
        Assert.True(await service.WaitForExitAsync(_exitWithin), $"The service did not exit:\n{service.Output}");

        Assert.Equal(2, service.ExitCode);
        var line = Assert.Single(service.StandardError, l => !string.IsNullOrWhiteSpace(l));
        Assert.StartsWith("Start-up failed: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain(service.StandardOutput.Concat(service.StandardError), l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        Assert.DoesNotContain("Unhandled exception", service.Output, StringComparison.Ordinal);
        return line;
    }

    private async Task<long> HeartbeatsAsync()
    {
        await using var control = new SqliteConnection($"{_databases.ControlConnectionString};Pooling=False");
        await control.OpenAsync();
        await using var command = control.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM migration_instances";
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Start_SourceServerRefusesConnections_NamesSourceHostAndReason_AndLeavesNoHeartbeat()
    {
        var port = FreePort();

        var line = await FailedStartAsync(Settings(
            ("Migration:Source:Provider", "MySql"),
            ("Migration:Source:ConnectionString", $"Server=127.0.0.1;Port={port};User=app;Password=secret-password;Database=shop")));

        Assert.Contains($"source database at 127.0.0.1:{port}/shop: connection refused", line, StringComparison.Ordinal);
        Assert.Contains("Migration:Source:ConnectionString", line, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-password", line, StringComparison.Ordinal);
        Assert.Equal(0, await HeartbeatsAsync());
    }

    [Fact]
    public async Task Start_PortInUse_NamesTheAddress_AndLeavesNoHeartbeat()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var address = $"http://127.0.0.1:{((IPEndPoint)holder.LocalEndpoint).Port}";

        var line = await FailedStartAsync(Settings(("ASPNETCORE_URLS", address)));

        Assert.Contains($"HTTP listener at {address}: address already in use", line, StringComparison.Ordinal);
        // The control database was reached and the pattern loaded before the server failed to bind.
        Assert.Equal(0, await HeartbeatsAsync());
    }

    [Fact]
    public async Task Start_UnknownProvider_NamesTheSideAndTheKey()
    {
        var line = await FailedStartAsync(Settings(("Migration:Target:Provider", "Postgres")));

        Assert.Contains("target database: unknown provider 'Postgres'", line, StringComparison.Ordinal);
        Assert.Contains("Migration:Target:Provider must be Sqlite or MySql", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_TableMissingOnTheSource_NamesTheFileAndTheTable()
    {
        // A source that has tables, but not the migrated one: nothing is created on it.
        var source = Path.Combine(_databases.DataDirectory, "source.db");
        await using (var connection = new SqliteConnection($"Data Source={source};Pooling=False"))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE orders (id INTEGER PRIMARY KEY)";
            await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        var line = await FailedStartAsync(Settings(("Migration:Seed:Enabled", "false")));

        Assert.Contains($"source database at {source}: no such table: users. Check Migration:Table.", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_DataDirectoryCannotBeCreated_NamesTheFolder()
    {
        var file = Path.Combine(_databases.DataDirectory, "a-file");
        await File.WriteAllTextAsync(file, "not a folder", TestContext.Current.CancellationToken);

        var line = await FailedStartAsync(Settings(("Migration:DataDirectory", Path.Combine(file, "data"))));

        Assert.Contains($"cannot create the data folder {Path.Combine(file, "data")}", line, StringComparison.Ordinal);
        Assert.Contains("Migration:DataDirectory", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_MalformedConnectionString_NamesTheSide()
    {
        var line = await FailedStartAsync(Settings(
            ("Migration:Control:Provider", "MySql"),
            ("Migration:Control:ConnectionString", "Server=127.0.0.1;Colour=blue")));

        Assert.Contains("control database at (unreadable connection string): invalid connection string", line, StringComparison.Ordinal);
        Assert.Contains("Migration:Control:ConnectionString", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ApiKeyShorterThan32Characters_NamesTheEntryButNotTheKey()
    {
        var line = await FailedStartAsync(Settings(("Auth:ApiKeys:0:Name", "ci"), ("Auth:ApiKeys:0:Key", "short-but-secret")));

        Assert.Contains("Auth:ApiKeys:0:Key ('ci') is 16 characters long; an API key needs at least 32", line, StringComparison.Ordinal);
        Assert.DoesNotContain("short-but-secret", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_InvalidOption_NamesTheKey()
    {
        var line = await FailedStartAsync(Settings(("Migration:Validation:BatchSize", "0")));

        Assert.Contains("configuration: Migration:Validation:BatchSize is 0", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_Failure_AtDebug_LogsTheStackTrace()
    {
        using var service = ServiceProcess.Start(Settings(
            ("Logging:LogLevel:Default", "Debug"),
            ("Migration:Source:Provider", "MySql"),
            ("Migration:Source:ConnectionString", $"Server=127.0.0.1;Port={FreePort()};User=app;Database=shop")));
        Assert.True(await service.WaitForExitAsync(_exitWithin), service.Output);

        Assert.Equal(2, service.ExitCode);
        Assert.Single(service.StandardError, l => !string.IsNullOrWhiteSpace(l));
        Assert.Contains(service.StandardOutput, l => l.TrimStart().StartsWith("at Migration.Infrastructure.Data.DatabaseInitializer", StringComparison.Ordinal));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// The same on a MariaDB server that answers but refuses the user. (A database that does not exist is created at start,
/// as the embedded default's schema is, when the user may create it.)
/// </summary>
public sealed class MariaDbStartupFailureTests(MariaDbFixture mariaDb) : IAsyncLifetime
{
    private readonly SqliteTestDatabases _embedded = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _embedded.DisposeAsync();

    [Fact]
    public async Task Start_ServerRefusesTheUser_NamesTargetAndTheServersReason()
    {
        const string change = "User=nobody_migration;Password=wrong;Database=mysql";
        const string reason = "Access denied for user 'nobody_migration'";
        var server = await mariaDb.GetServerAsync();
        var connection = new MySqlConnector.MySqlConnectionStringBuilder(server.ConnectionString);
        var changed = new MySqlConnector.MySqlConnectionStringBuilder(connection.ConnectionString + ";" + change);
        using var service = ServiceProcess.Start(new Dictionary<string, string?>
        {
            ["Migration:DataDirectory"] = _embedded.DataDirectory,
            ["Migration:Target:Provider"] = "MySql",
            ["Migration:Target:ConnectionString"] = changed.ConnectionString,
            ["Auth:ApiKeys:0:Key"] = MigrationApi.OperatorKey,
        });
        Assert.True(await service.WaitForExitAsync(TimeSpan.FromSeconds(60)), service.Output);

        Assert.Equal(2, service.ExitCode);
        var line = Assert.Single(service.StandardError, l => !string.IsNullOrWhiteSpace(l));
        Assert.Contains($"target database at {changed.Server}:{changed.Port}/{changed.Database}: {reason}", line, StringComparison.Ordinal);
        Assert.DoesNotContain(service.StandardOutput, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }
}
