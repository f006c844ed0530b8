using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using MySqlConnector;

namespace Migration.Testing;

/// <summary>
/// A MySQL-protocol server for tests and benchmarks. When <c>MIGRATION_TEST_MYSQL</c> holds a connection string,
/// that server is used as it is. Otherwise a private <c>mariadbd</c> is started on a fresh data directory and a
/// free loopback port, and shut down and deleted on dispose. A private server can also be stopped and started
/// again on the same data and port, to test what its clients do meanwhile. Never skips: without either it throws,
/// saying how to fix it.
/// </summary>
internal sealed partial class MariaDbServer : IAsyncDisposable
{
    public const string EnvironmentVariable = "MIGRATION_TEST_MYSQL";

    private const string HowToFix =
        "Install MariaDB (Debian/Ubuntu: `apt-get install -y mariadb-server`; the tests start their own server, no service needed), " +
        $"or set {EnvironmentVariable} to the connection string of a running server, e.g. " +
        $"{EnvironmentVariable}='Server=127.0.0.1;Port=3306;User ID=root;Password='.";

    private static readonly TimeSpan _startTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan _stopTimeout = TimeSpan.FromSeconds(20);
    private static readonly string[] _searchPath = ["/usr/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin"];

    private readonly string? _dataDirectory;

    /// <summary>How a private server was started, to start it again the same way; null for an external one.</summary>
    private readonly (string Executable, string[] Arguments)? _launch;

    private Process? _process;

    private MariaDbServer(string connectionString, Process? process, string? dataDirectory, (string, string[])? launch)
    {
        ConnectionString = connectionString;
        _process = process;
        _dataDirectory = dataDirectory;
        _launch = launch;
    }

    /// <summary>Connects to the server with no default database.</summary>
    public string ConnectionString { get; }

    /// <summary>True when this object started the server, and will stop it.</summary>
    public bool IsPrivate => _launch is not null;

    /// <summary>The process id of a private server while it runs (for CPU accounting); null for an external one.</summary>
    public int? ProcessId => _process is { HasExited: false } p ? p.Id : null;

    /// <summary>False between <see cref="StopAsync"/> and <see cref="StartAgainAsync"/>; an external server is taken to be running.</summary>
    public bool IsRunning => _process is null ? !IsPrivate : !_process.HasExited;

    /// <summary>The server named by <c>MIGRATION_TEST_MYSQL</c>, or a private one started now.</summary>
    /// <param name="bufferPoolMb">InnoDB buffer pool of a private server: enough to keep the tables in memory.</param>
    public static async Task<MariaDbServer> StartAsync(CancellationToken cancellationToken = default, int bufferPoolMb = 256)
    {
        var external = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            return await ConnectExternalAsync(external, cancellationToken);
        }

        var mariadbd = FindExecutable("mariadbd");
        var installDb = FindExecutable("mariadb-install-db");
        if (mariadbd is null || installDb is null)
        {
            throw new InvalidOperationException(
                $"The MySQL-provider tests need a MariaDB server, but {EnvironmentVariable} is not set and " +
                $"{(mariadbd is null ? "mariadbd" : "mariadb-install-db")} is not on PATH or in {string.Join(", ", _searchPath)}. {HowToFix}");
        }

        return await StartPrivateAsync(mariadbd, installDb, bufferPoolMb, cancellationToken);
    }

    /// <summary>
    /// A private server started now, even when <c>MIGRATION_TEST_MYSQL</c> names one: for a caller that stops and
    /// starts its server, which it must not do to a shared one.
    /// </summary>
    public static async Task<MariaDbServer> StartPrivateAsync(CancellationToken cancellationToken = default, int bufferPoolMb = 256)
    {
        var mariadbd = FindExecutable("mariadbd");
        var installDb = FindExecutable("mariadb-install-db");
        if (mariadbd is null || installDb is null)
        {
            var external = string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(EnvironmentVariable))
                ? "" : $" The server {EnvironmentVariable} names cannot stand in: it is shared, and this caller stops its server.";
            throw new InvalidOperationException(
                $"This test needs a private MariaDB server that it can stop and start again, but " +
                $"{(mariadbd is null ? "mariadbd" : "mariadb-install-db")} is not on PATH or in {string.Join(", ", _searchPath)}.{external} " +
                "Install MariaDB (Debian/Ubuntu: `apt-get install -y mariadb-server`; no service needed, the test starts its own).");
        }

        return await StartPrivateAsync(mariadbd, installDb, bufferPoolMb, cancellationToken);
    }

    /// <summary>
    /// Shuts a private server down, dropping every connection to it; its data directory and port are kept for
    /// <see cref="StartAgainAsync"/>. Returns once the process has exited.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        var process = _process ?? throw new InvalidOperationException($"Only a private server can be stopped; this is the {this}.");
        if (process.HasExited)
        {
            return;
        }

        try
        {
            await ExecuteAsync("SHUTDOWN", cancellationToken);
        }
        catch (MySqlException)
        {
            // The server may drop the connection before it answers; waiting for the exit below tells.
        }

        if (!await WaitForExitAsync(process, _stopTimeout, cancellationToken))
        {
            process.Kill(entireProcessTree: true);
            await WaitForExitAsync(process, _stopTimeout, cancellationToken);
        }
    }

    /// <summary>Starts a stopped private server again on the same data directory and port; returns once it accepts connections.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        if (_launch is not { } launch || _process is null)
        {
            throw new InvalidOperationException($"Only a private server can be started again; this is the {this}.");
        }

        if (!_process.HasExited)
        {
            throw new InvalidOperationException($"The {this} is still running; stop it first.");
        }

        _process.Dispose();
        var output = new ProcessOutput();
        _process = StartProcess(launch.Executable, launch.Arguments, output);
        try
        {
            await WaitUntilReadyAsync(_process, ConnectionString, output, cancellationToken);

            // This object's own idle connections died with the old process, and a dead one fails the next open
            // ("Connection was killed") rather than being replaced. Other pools are left alone: how their owners
            // recover is what a caller is testing.
            using var pooled = new MySqlConnection(ConnectionString);
            await MySqlConnection.ClearPoolAsync(pooled, cancellationToken);
        }
        catch (PortTakenException ex)
        {
            throw new InvalidOperationException(
                $"mariadbd could not start again: another process took its port {new MySqlConnectionStringBuilder(ConnectionString).Port} while it was down.", ex);
        }
    }

    /// <summary>Creates an empty database (utf8mb4) and returns a connection string to it.</summary>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        await ExecuteAsync($"CREATE DATABASE {QuoteName(name)} CHARACTER SET utf8mb4", cancellationToken);
        return DatabaseConnectionString(name);
    }

    /// <summary>Drops the database if it exists, after closing this process's idle pooled connections to it.</summary>
    public async Task DropDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        using (var pooled = new MySqlConnection(DatabaseConnectionString(name)))
        {
            await MySqlConnection.ClearPoolAsync(pooled, cancellationToken);
        }

        await ExecuteAsync($"DROP DATABASE IF EXISTS {QuoteName(name)}", cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is null)
        {
            return;
        }

        await MySqlConnection.ClearAllPoolsAsync();
        await StopAsync(CancellationToken.None);
        _process.Dispose();
        TryDeleteDirectory(_dataDirectory!);
    }

    public override string ToString() =>
        IsPrivate ? $"private mariadbd ({(IsRunning ? $"pid {_process!.Id}" : "stopped")}) on {_dataDirectory}" : $"server from {EnvironmentVariable}";

    private string DatabaseConnectionString(string name) =>
        new MySqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var connection = new MySqlConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string QuoteName(string name) => DatabaseName().IsMatch(name)
        ? $"`{name}`"
        : throw new ArgumentException($"'{name}' is not a plain database name (letters, digits, underscore; at most 64).", nameof(name));

    private static async Task<MariaDbServer> ConnectExternalAsync(string connectionString, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new MySqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is MySqlException or ArgumentException)
        {
            throw new InvalidOperationException(
                $"{EnvironmentVariable} is set but its server cannot be reached ({ex.Message.TrimEnd('.')}). Fix the connection string, " +
                $"or unset {EnvironmentVariable} to let the tests start their own mariadbd.", ex);
        }

        return new MariaDbServer(connectionString, null, null, null);
    }

    private static async Task<MariaDbServer> StartPrivateAsync(string mariadbd, string installDb, int bufferPoolMb, CancellationToken cancellationToken)
    {
        var dataDirectory = CreateDataDirectory();
        try
        {
            return await LaunchAsync(mariadbd, installDb, dataDirectory, bufferPoolMb, cancellationToken);
        }
        catch
        {
            TryDeleteDirectory(dataDirectory);
            throw;
        }
    }

    private static async Task<MariaDbServer> LaunchAsync(string mariadbd, string installDb, string dataDirectory, int bufferPoolMb, CancellationToken cancellationToken)
    {
        // mariadbd refuses to run as root unless told to switch to another user, which must then own the data directory.
        var asRoot = Environment.UserName == "root";
        string[] userArgument = asRoot ? ["--user=mysql"] : [];
        await RunToEndAsync(installDb,
            ["--no-defaults", $"--datadir={dataDirectory}", .. userArgument, "--auth-root-authentication-method=normal", "--skip-test-db"],
            cancellationToken);
        if (asRoot)
        {
            await RunToEndAsync("chown", ["-R", "mysql:mysql", dataDirectory], cancellationToken);
        }

        // A free port can be taken by someone else before mariadbd binds it: then try another one.
        for (var attempt = 1; ; attempt++)
        {
            var port = FreeLoopbackPort();
            var output = new ProcessOutput();
            string[] arguments =
            [
                "--no-defaults", .. userArgument, $"--datadir={dataDirectory}", $"--socket={Path.Combine(dataDirectory, "mysqld.sock")}",
                $"--port={port}", "--bind-address=127.0.0.1", "--skip-name-resolve", "--skip-log-bin",
                "--innodb-flush-log-at-trx-commit=2", $"--innodb-buffer-pool-size={bufferPoolMb}M", "--max-connections=3000",
                // Debian's packaged server defaults to utf8mb4; the compiled-in default (--no-defaults) is latin1.
                "--character-set-server=utf8mb4",
            ];
            var process = StartProcess(mariadbd, arguments, output);
            var connectionString = new MySqlConnectionStringBuilder
            {
                Server = "127.0.0.1",
                Port = (uint)port,
                UserID = "root",
                Password = "",
                // Every test host pools its own connections; idle ones close soon, so hundreds of hosts in one run do
                // not pile up to the server's connection limit.
                ConnectionIdleTimeout = 5,
            }.ConnectionString;
            try
            {
                await WaitUntilReadyAsync(process, connectionString, output, cancellationToken);
                return new MariaDbServer(connectionString, process, dataDirectory, (mariadbd, arguments));
            }
            catch (PortTakenException) when (attempt < 3)
            {
                process.Dispose();
            }
            catch
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    await WaitForExitAsync(process, _stopTimeout);
                }

                process.Dispose();
                throw;
            }
        }
    }

    private static async Task WaitUntilReadyAsync(Process process, string connectionString, ProcessOutput output, CancellationToken cancellationToken)
    {
        var probe = new MySqlConnectionStringBuilder(connectionString) { Pooling = false, ConnectionTimeout = 2 }.ConnectionString;
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync(cancellationToken); // flushes the redirected output
                var log = output.Tail();
                if (log.Contains("Address already in use", StringComparison.Ordinal))
                {
                    throw new PortTakenException($"mariadbd could not bind its port, taken by another process meanwhile. Its output:\n{log}");
                }

                throw new InvalidOperationException($"mariadbd exited with code {process.ExitCode} before accepting connections. Its output:\n{log}");
            }

            try
            {
                await using var connection = new MySqlConnection(probe);
                await connection.OpenAsync(cancellationToken);
                return;
            }
            catch (MySqlException) when (TimeProvider.System.GetElapsedTime(started) < _startTimeout)
            {
                // Not listening yet.
            }
            catch (MySqlException ex)
            {
                throw new InvalidOperationException(
                    $"mariadbd did not accept connections within {_startTimeout.TotalSeconds} s ({ex.Message.TrimEnd('.')}). Its output:\n{output.Tail()}", ex);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }
    }

    private static async Task RunToEndAsync(string fileName, string[] arguments, CancellationToken cancellationToken)
    {
        var output = new ProcessOutput();
        using var process = StartProcess(fileName, arguments, output);
        if (!await WaitForExitAsync(process, _startTimeout, cancellationToken))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{fileName} did not finish within {_startTimeout.TotalSeconds} s. Its output:\n{output.Tail()}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"`{fileName} {string.Join(' ', arguments)}` failed with exit code {process.ExitCode}. Its output:\n{output.Tail()}");
        }
    }

    private static Process StartProcess(string fileName, string[] arguments, ProcessOutput output)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => output.Add(e.Data);
        process.ErrorDataReceived += (_, e) => output.Add(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<bool> WaitForExitAsync(Process process, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private static string? FindExecutable(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(_searchPath)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);

    private static string CreateDataDirectory()
    {
        // Under /tmp rather than $TMPDIR: the mysql user must be able to traverse every parent, and the socket
        // path must stay short.
        var parent = Directory.Exists("/tmp") ? "/tmp" : Path.GetTempPath();
        var directory = Path.Combine(parent, $"migration-mariadb-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        return directory;
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void TryDeleteDirectory(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for the OS to clean from /tmp; nothing depends on it any more.
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_]{1,64}$")]
    private static partial Regex DatabaseName();

    private sealed class PortTakenException(string message) : Exception(message);

    /// <summary>The last lines a child process wrote, for error messages.</summary>
    private sealed class ProcessOutput
    {
        private const int MaxLines = 60;
        private readonly Queue<string> _lines = new();
        private readonly Lock _lock = new();

        public void Add(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_lock)
            {
                _lines.Enqueue(line);
                if (_lines.Count > MaxLines)
                {
                    _lines.Dequeue();
                }
            }
        }

        public string Tail()
        {
            lock (_lock)
            {
                return string.Join('\n', _lines);
            }
        }
    }
}
