using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Migration.Application.Abstractions;
using Migration.Domain;
using Migration.Domain.Runs;
using Migration.Infrastructure.Validation;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>
/// A table the validator cannot walk is refused when a run is asked for, with a 409 that names the table and the
/// column: never a 202 for a run that then fails, or retries forever (a <c>CHAR(36)</c> key once did, unable to cast a
/// Guid to a 64-bit integer at every attempt).
/// </summary>
public abstract class TableShapeTests
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    protected abstract Task<TestDatabases> CreateDatabasesAsync();

    /// <summary>The service on <paramref name="table"/>, created on both sides with the given columns and one equal row.</summary>
    private async Task<MigrationApi> StartAsync(string table, string columns, string row)
    {
        var databases = await CreateDatabasesAsync();
        foreach (var side in new[] { Direction.Src, Direction.Dst })
        {
            await databases.ExecuteAsync(side, $"CREATE TABLE {table} ({columns})");
            await databases.ExecuteAsync(side, $"INSERT INTO {table} VALUES ({row})");
        }

        return new MigrationApi(databases, settings: new Dictionary<string, string?>
        {
            ["Migration:Table"] = table,
            ["Migration:Seed:Enabled"] = "false",
        });
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response, string table, string column)
    {
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal(409, problem.GetProperty("status").GetInt32());
        Assert.Equal(table, problem.GetProperty("table").GetString());
        Assert.Equal(column, problem.GetProperty("column").GetString());
        Assert.Contains($"'{column}'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_KeyIsAUuidString_Returns409NamingTableAndColumnAndStartsNothing()
    {
        await using var api = await StartAsync(
            "uuid_keyed", "id CHAR(36) NOT NULL PRIMARY KEY, name VARCHAR(50) NOT NULL, utime BIGINT NOT NULL",
            "'0b6f4b8e-3c1d-4a8e-9f57-2d1c0e4b7a91', 'first', 1");
        var client = api.CreateClient();

        await AssertRefusedAsync(await client.PostAsync("/migrator/full/start", null, _ct), "uuid_keyed", "id");
        await AssertRefusedAsync(await client.PostAsJsonAsync("/migrator/incr/start", new { utime = 0, interval = 100 }, _ct), "uuid_keyed", "id");
        await AssertRefusedAsync(await client.PostAsJsonAsync("/migrator/full/start", new { resume = true }, _ct), "uuid_keyed", "id");

        var status = await api.StatusAsync();
        Assert.Null(status.Full);
        Assert.Null(status.Incremental);
    }

    [Fact]
    public async Task Run_KeyIsAUuidString_FailsAtOnceInsteadOfRetryingForever()
    {
        // A start whose check could not read the table (a database down for a moment) lets the run begin: the run
        // reads the columns again, and ends failed on such a key rather than retry every query that reads it.
        await using var api = await StartAsync(
            "uuid_keyed", "id CHAR(36) NOT NULL PRIMARY KEY, name VARCHAR(50) NOT NULL, utime BIGINT NOT NULL",
            "'0b6f4b8e-3c1d-4a8e-9f57-2d1c0e4b7a91', 'first', 1");
        var validator = api.Services.GetRequiredService<ITableValidator>();
        var run = new ValidationRun(Guid.NewGuid(), RunKind.Full, "uuid_keyed", Direction.Src, 0, 0, TimeProvider.System.GetUtcNow());

        var failure = await Assert.ThrowsAsync<TableShapeException>(() => validator.RunAsync(run, _ct).WaitAsync(TimeSpan.FromSeconds(20), _ct));
        Assert.Equal(("uuid_keyed", "id"), (failure.Table, failure.Column));
        Assert.Equal(0, run.Errors);
    }

    [Fact]
    public async Task IncrStart_UtimeIsNotAnInteger_Returns409NamingUtime_WhileAFullRunWorks()
    {
        await using var api = await StartAsync(
            "text_utime", "id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(50) NOT NULL, utime VARCHAR(30) NOT NULL",
            "1, 'first', '2026-01-01 00:00:00'");
        var client = api.CreateClient();

        await AssertRefusedAsync(await client.PostAsJsonAsync("/migrator/incr/start", new { utime = 0, interval = 100 }, _ct), "text_utime", "utime");
        Assert.Null((await api.StatusAsync()).Incremental);

        // A full run compares utime as any other column.
        var full = await client.PostAsync("/migrator/full/start", null, _ct);
        Assert.Equal(HttpStatusCode.Accepted, full.StatusCode);
        var done = await api.WaitForStatusAsync(s => s.Full?.Status is "completed" or "failed");
        Assert.Equal(("completed", 1L), (done.Full!.Status, done.Full.RowsChecked));
    }
}

public sealed class SqliteTableShapeTests : TableShapeTests
{
    protected override Task<TestDatabases> CreateDatabasesAsync() => Task.FromResult<TestDatabases>(new SqliteTestDatabases());
}

public sealed class MariaDbTableShapeTests(MariaDbFixture mariaDb) : TableShapeTests
{
    protected override async Task<TestDatabases> CreateDatabasesAsync() =>
        await MariaDbTestDatabases.CreateAsync(await mariaDb.GetServerAsync());
}
