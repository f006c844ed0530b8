using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>
/// <c>validate [--repair] [--report FILE]</c>, the one-shot mode for a pipeline step, run as the built app on the
/// embedded default with its seeded drift: exit 0 when equal, 1 when differences remain, 2 on error.
/// </summary>
public sealed class ValidateCommandTests : IAsyncLifetime
{
    /// <summary>Ids 1..1000 with the demo drift (DemoDrift): 10 target_missing (17, 117, …), 4 neq (33, 283, …), 2 base_missing (250, 750).</summary>
    private const int Rows = 1_000;

    private readonly SqliteTestDatabases _databases = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _databases.DisposeAsync();

    private string Report => Path.Combine(_databases.DataDirectory, "report.json");

    private async Task<ServiceProcess> ValidateAsync(Dictionary<string, string?>? extra = null, params string[] arguments)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Migration:DataDirectory"] = _databases.DataDirectory,
            ["Migration:Seed:Rows"] = Rows.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Migration:Validation:RecheckDelayMs"] = "0",
        };
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        var service = ServiceProcess.Start(settings, ["validate", .. arguments]);
        Assert.True(await service.WaitForExitAsync(TimeSpan.FromSeconds(120)), $"validate did not exit:\n{service.Output}");
        return service;
    }

    private async Task<long> CountAsync(string table)
    {
        await using var control = new SqliteConnection($"{_databases.ControlConnectionString};Pooling=False");
        await control.OpenAsync();
        await using var command = control.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM {table}";
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Validate_SeededDrift_Exits1WithTheCountsInTheReport_AndChangesNothing()
    {
        using var validate = await ValidateAsync(null, "--report", Report);

        Assert.True(validate.ExitCode == 1, validate.Output);
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(Report, TestContext.Current.CancellationToken));
        var root = report.RootElement;
        Assert.Equal("differences", root.GetProperty("result").GetString());
        Assert.Equal(1, root.GetProperty("exitCode").GetInt32());
        var run = root.GetProperty("run");
        Assert.Equal("completed", run.GetProperty("status").GetString());
        Assert.True(run.GetProperty("rowsChecked").GetInt64() >= Rows - 2, run.ToString());
        var counts = run.GetProperty("inconsistencies");
        Assert.Equal(10, counts.GetProperty("target_missing").GetInt64());
        Assert.Equal(4, counts.GetProperty("neq").GetInt64());
        Assert.Equal(2, counts.GetProperty("base_missing").GetInt64());
        Assert.True(root.GetProperty("seconds").GetDouble() > 0);
        var differences = root.GetProperty("differences").EnumerateArray().ToList();
        Assert.Equal(16, differences.Count);
        Assert.Contains(differences, d => d.GetProperty("key").GetString() == "17" && d.GetProperty("type").GetString() == "target_missing");
        Assert.Contains(differences, d => d.GetProperty("key").GetString() == "33" && d.GetProperty("type").GetString() == "neq");
        Assert.Contains(differences, d => d.GetProperty("key").GetString() == "250" && d.GetProperty("type").GetString() == "base_missing");
        // Not a terminal: plain progress lines and the result on standard output.
        Assert.Contains(validate.StandardOutput, l => l.StartsWith("Validating: ", StringComparison.Ordinal));
        Assert.Contains(validate.StandardOutput, l => l.Contains("16 difference(s) found", StringComparison.Ordinal));

        // Report only: the sides keep their drift, no event waits to be repaired, no heartbeat; the run is in the history
        // as report-only (which no cut-over takes as proof while it found differences), with its differences stored.
        Assert.Equal(16, (await _databases.DiffAsync()).Total);
        Assert.Equal(0, await CountAsync("outbox_events"));
        Assert.Equal(0, await CountAsync("migration_instances"));
        Assert.Equal(1, await CountAsync("migration_runs WHERE repair = 0"));
        Assert.Equal(16, await CountAsync("migration_differences WHERE outcome = 'pending'"));
    }

    [Fact]
    public async Task Validate_WithRepair_Exits0_AndASecondValidateExits0()
    {
        using var repair = await ValidateAsync(null, "--repair", "--report", Report);

        Assert.True(repair.ExitCode == 0, repair.Output);
        using (var report = JsonDocument.Parse(await File.ReadAllTextAsync(Report, TestContext.Current.CancellationToken)))
        {
            var root = report.RootElement;
            Assert.Equal("equal", root.GetProperty("result").GetString());
            Assert.Equal(16, root.GetProperty("differences").GetArrayLength());
            Assert.Equal(0, root.GetProperty("verification").GetProperty("inconsistencies").GetProperty("neq").GetInt64());
            Assert.Equal(0, root.GetProperty("remainingDifferences").GetArrayLength());
            Assert.Equal(0, root.GetProperty("openConflicts").GetInt64());
            Assert.Equal(0, root.GetProperty("openDeadLetters").GetInt64());
        }

        Assert.Equal(0, (await _databases.DiffAsync()).Total);
        using var again = await ValidateAsync();
        Assert.True(again.ExitCode == 0, again.Output);
        Assert.Contains(again.StandardOutput, l => l == "The sides are equal.");
        Assert.Equal(0, await CountAsync("migration_instances"));
    }

    [Fact]
    public async Task Validate_SourceUnreachable_Exits2WithOneLineAndAnErrorReport()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        using var validate = await ValidateAsync(
            new Dictionary<string, string?>
            {
                ["Migration:Source:Provider"] = "MySql",
                ["Migration:Source:ConnectionString"] = $"Server=127.0.0.1;Port={port};User=app;Database=shop",
            },
            "--report", Report);

        Assert.Equal(2, validate.ExitCode);
        var line = Assert.Single(validate.StandardError, l => !string.IsNullOrWhiteSpace(l));
        Assert.Contains($"source database at 127.0.0.1:{port}/shop: connection refused", line, StringComparison.Ordinal);
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(Report, TestContext.Current.CancellationToken));
        Assert.Equal("error", report.RootElement.GetProperty("result").GetString());
        Assert.Contains("connection refused", report.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--timeout", "soon" }, "soon")]
    [InlineData(new[] { "--repiar" }, "--repiar")] // a typo must not validate without the repair asked for
    public async Task Validate_BadOption_Exits2NamingIt(string[] arguments, string named)
    {
        using var validate = await ValidateAsync(null, arguments);

        Assert.Equal(2, validate.ExitCode);
        Assert.Contains(validate.StandardError, l => l.Contains(named, StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(_databases.DataDirectory, "control.db")), "nothing ran");
    }
}
