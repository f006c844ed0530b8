using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Migration.Application.Validation.GetStatus;

namespace Migration.WebApi.IntegrationTests.Infrastructure;

/// <summary>
/// The service as a separate operating-system process (the built <c>Migration.WebApi.dll</c> next to the tests), so a
/// test can kill it the hard way (SIGKILL): no shutdown code runs, nothing is committed on the way out.
/// </summary>
internal sealed class ServiceProcess : IDisposable
{
    private readonly Process _process;
    private readonly HttpClient _http;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly ConcurrentQueue<string> _standardOutput = new();
    private readonly ConcurrentQueue<string> _standardError = new();

    private ServiceProcess(Process process, Uri address)
    {
        _process = process;
        _http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(5) };
    }

    /// <summary>Starts the service with these settings (configuration keys, passed as environment variables).</summary>
    /// <param name="arguments">Command-line arguments, e.g. <c>validate --repair</c>; none runs the service.</param>
    public static ServiceProcess Start(IReadOnlyDictionary<string, string?> settings, params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Migration.WebApi.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        var address = new Uri($"http://127.0.0.1:{FreePort()}");
        start.Environment["ASPNETCORE_URLS"] = address.ToString();
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        // The service compiles fully optimised at once (TieredCompilationQuickJit=false), which triples the start of a
        // short-lived process; tests that start many care about its behaviour, not its steady-state speed.
        start.Environment["DOTNET_TC_QuickJit"] = "1";
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("The service process did not start.");
        var service = new ServiceProcess(process, address);
        process.OutputDataReceived += (_, e) => service.Record(e.Data, service._standardOutput);
        process.ErrorDataReceived += (_, e) => service.Record(e.Data, service._standardError);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Where the service listens.</summary>
    public Uri Address => _http.BaseAddress!;

    /// <summary>The process's exit code, once it has exited.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>SIGTERM, as a container runtime or systemd stops a service: the service shuts down by itself.</summary>
    public void Terminate()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", _process.Id.ToString(CultureInfo.InvariantCulture) } })!;
        kill.WaitForExit();
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the process to end, and for its output to be read.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
            return true;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>What the process printed, for failure messages.</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>The lines the process wrote to standard output (complete once <see cref="WaitForExitAsync"/> returned true).</summary>
    public IReadOnlyList<string> StandardOutput => [.. _standardOutput];

    /// <summary>The lines the process wrote to standard error.</summary>
    public IReadOnlyList<string> StandardError => [.. _standardError];

    /// <summary>The process's <c>/migrator/status</c>, or null while it does not answer yet.</summary>
    public async Task<MigrationStatusDto?> StatusAsync()
    {
        try
        {
            return await _http.GetFromJsonAsync<MigrationStatusDto>("/migrator/status", TestContext.Current.CancellationToken);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>SIGKILL, then waits until the process is gone.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.WaitForExit();
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
        _http.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Record(string? line, ConcurrentQueue<string> stream)
    {
        if (line is not null && _output.Count < 2_000)
        {
            _output.Enqueue(line);
            stream.Enqueue(line);
        }
    }
}
