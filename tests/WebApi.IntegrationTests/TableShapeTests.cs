using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Migration.Application.Abstractions;
using Migration.Domain;
using Migration.Domain.Runs;
using Migration.Application.Common;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>
/// A table the validator cannot compare is refused when a run is asked for, with a 409 that names the table and the
/// column: never a 202 for a run that then fails, or retries forever. A <c>CHAR(36)</c> key, which once made a run
/// retry forever (unable to cast a Guid to a 64-bit integer), is now a key like any other.
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
            // With the write journal an incremental run validates a table without a usable version column through it
            // (JournalTests); these tests are about the refusal without it.
            ["Migration:Journal:Enabled"] = "false",
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
        Assert.Contains(column, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ColumnMissingOnTheTarget_Returns409NamingTableAndColumnAndStartsNothing()
    {
        await using var api = await NarrowAsync();
        var client = api.CreateClient();

        await AssertRefusedAsync(await client.PostAsync("/migrator/full/start", null, _ct), "narrow", "note");
        await AssertRefusedAsync(await client.PostAsJsonAsync("/migrator/incr/start", new { utime = 0, interval = 100 }, _ct), "narrow", "note");

        var status = await api.StatusAsync();
        Assert.Null(status.Full);
        Assert.Null(status.Incremental);
    }

    [Fact]
    public async Task Start_KeyIsAUuidString_IsValidatedAndRepairedLikeAnyOther()
    {
        await using var api = await StartAsync(
            "uuid_keyed", "id CHAR(36) NOT NULL PRIMARY KEY, name VARCHAR(50) NOT NULL, utime BIGINT NOT NULL",
            "'0b6f4b8e-3c1d-4a8e-9f57-2d1c0e4b7a91', 'first', 1");
        await api.Databases.ExecuteAsync(Direction.Src, "INSERT INTO uuid_keyed VALUES ('7e0a4c51-9d3b-4f62-8a1e-5c2b9f6d0e13', 'only source', 2)");
        await api.Databases.ExecuteAsync(Direction.Dst, "UPDATE uuid_keyed SET name = 'changed' WHERE id = '0b6f4b8e-3c1d-4a8e-9f57-2d1c0e4b7a91'");

        var response = await api.CreateClient().PostAsync("/migrator/full/start", null, _ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var done = await api.WaitForStatusAsync(s => s.Full?.Status is "completed" or "failed" && MigrationApi.Drained(s));

        Assert.Equal("completed", done.Full!.Status);
        Assert.Equal(new Application.Validation.InconsistencyCountsDto(1, 1, 0), done.Full.Inconsistencies);
        Assert.Equal(0, await api.Databases.CountDifferencesAsync("uuid_keyed", "id"));
    }

    [Fact]
    public async Task Run_TableThatCannotBeCompared_FailsAtOnceInsteadOfRetryingForever()
    {
        // A start whose check could not read the schemas (a database down for a moment) lets the run begin: the run
        // reads them again, and ends failed on such a table rather than retry every query that reads it.
        await using var api = await NarrowAsync();
        var validator = api.Services.GetRequiredService<ITableValidator>();
        var run = new ValidationRun(Guid.NewGuid(), RunKind.Full, Direction.Src, 0, 0, TimeProvider.System.GetUtcNow());

        var failure = await Assert.ThrowsAsync<TableShapeException>(() => validator.RunAsync(run, _ct).WaitAsync(TimeSpan.FromSeconds(20), _ct));
        Assert.Equal(("narrow", "note"), (failure.Problems[0].Table, failure.Problems[0].Column));
        Assert.Equal(0, run.Errors);
    }

    /// <summary>A table whose target lacks the <c>note</c> column the source has.</summary>
    private async Task<MigrationApi> NarrowAsync()
    {
        var databases = await CreateDatabasesAsync();
        await databases.ExecuteAsync(Direction.Src, "CREATE TABLE narrow (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(50) NOT NULL, note VARCHAR(20) NULL, utime BIGINT NOT NULL)");
        await databases.ExecuteAsync(Direction.Dst, "CREATE TABLE narrow (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(50) NOT NULL, utime BIGINT NOT NULL)");
        return new MigrationApi(databases, settings: new Dictionary<string, string?>
        {
            ["Migration:Table"] = "narrow",
            ["Migration:Seed:Enabled"] = "false",
        });
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
