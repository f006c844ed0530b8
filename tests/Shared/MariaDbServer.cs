using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using MySqlConnector;

namespace Migration.Testing;

/// <summary>
/// A MySQL-protocol server for tests and benchmarks. When <c>MIGRATION_TEST_MYSQL</c> holds a connection string,
/// that server is used as it is. Otherwise a private <c>mariadbd</c> is started on a fresh data directory and a
/// free loopback port, and shut down and deleted on dispose. Never skips: without either it throws, saying how
/// to fix it.
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

    private readonly Process? _process;
    private readonly string? _dataDirectory;

    private MariaDbServer(string connectionString, Process? process, string? dataDirectory)
    {
        ConnectionString = connectionString;
        _process = process;
        _dataDirectory = dataDirectory;
    }

    /// <summary>Connects to the server with no default database.</summary>
    public string ConnectionString { get; }

    /// <summary>True when this object started the server, and will stop it.</summary>
    public bool IsPrivate => _process is not null;

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

        var dataDirectory = CreateDataDirectory();
        try
        {
            return await StartPrivateAsync(mariadbd, installDb, dataDirectory, bufferPoolMb, cancellationToken);
        }
        catch
        {
            TryDeleteDirectory(dataDirectory);
            throw;
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
        if (!_process.HasExited)
        {
            try
            {
                await ExecuteAsync("SHUTDOWN", CancellationToken.None);
            }
            catch (MySqlException)
            {
                // The server may drop the connection before it answers; waiting for the exit below tells.
            }

            if (!await WaitForExitAsync(_process, _stopTimeout))
            {
                _process.Kill(entireProcessTree: true);
                await WaitForExitAsync(_process, _stopTimeout);
            }
        }

        _process.Dispose();
        TryDeleteDirectory(_dataDirectory!);
    }

    public override string ToString() =>
        IsPrivate ? $"private mariadbd (pid {_process!.Id}) on {_dataDirectory}" : $"server from {EnvironmentVariable}";

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

        return new MariaDbServer(connectionString, null, null);
    }

    private static async Task<MariaDbServer> StartPrivateAsync(string mariadbd, string installDb, string dataDirectory, int bufferPoolMb, CancellationToken cancellationToken)
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
            var process = StartProcess(mariadbd,
            [
                "--no-defaults", .. userArgument, $"--datadir={dataDirectory}", $"--socket={Path.Combine(dataDirectory, "mysqld.sock")}",
                $"--port={port}", "--bind-address=127.0.0.1", "--skip-name-resolve", "--skip-log-bin",
                "--innodb-flush-log-at-trx-commit=2", $"--innodb-buffer-pool-size={bufferPoolMb}M", "--max-connections=500",
                // Debian's packaged server defaults to utf8mb4; the compiled-in default (--no-defaults) is latin1.
                "--character-set-server=utf8mb4",
            ], output);
            var connectionString = new MySqlConnectionStringBuilder
            {
                Server = "127.0.0.1",
                Port = (uint)port,
                UserID = "root",
                Password = "",
            }.ConnectionString;
            try
            {
                await WaitUntilReadyAsync(process, connectionString, output, cancellationToken);
                return new MariaDbServer(connectionString, process, dataDirectory);
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
