using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Migration.Application.Abstractions;
using Migration.Domain;
using Migration.Domain.Inconsistencies;
using Migration.WebApi.IntegrationTests.Infrastructure;
using MySqlConnector;

namespace Migration.WebApi.IntegrationTests;

/// <summary>
/// Change capture by triggers (docs/journal.md): writes made by SQL on the source, outside the pool — deletes, an
/// update that leaves <c>utime</c> alone, an insert with an old <c>utime</c>, an update that moves a key — reach the
/// source's journal through the <c>migration_*</c> triggers, and a running incremental run repairs them on the target.
/// Without the triggers none of them is found.
/// </summary>
public abstract class ChangeCaptureTests
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    protected abstract Task<TestDatabases> CreateDatabasesAsync();

    /// <summary>Installs the triggers through the API, as an operator would; false shows the test fails without them.</summary>
    protected virtual bool InstallTriggers => true;

    /// <summary>The users rows the test writes by SQL (none has planted drift).</summary>
    private static readonly long[] Written = [40, 41, 42, 43, 44, 45, 5000];

    /// <summary>Whether each of these rows is the same on both sides (or missing on both).</summary>
    private static async Task<bool> SameAsync(TestDatabases db, long[] ids)
    {
        var (source, target) = (await db.ReadAllAsync(Direction.Src), await db.ReadAllAsync(Direction.Dst));
        return ids.All(id => source.GetValueOrDefault(id) == target.GetValueOrDefault(id));
    }

    [Fact]
    public async Task IncrementalRun_WritesBySqlOnTheSourceOutsideThePool_AreCapturedByTheTriggersAndRepaired()
    {
        await using var api = new MigrationApi(await CreateDatabasesAsync(), seedRows: 300, new Dictionary<string, string?>
        {
            ["Migration:Pattern"] = "src_first",
            ["Migration:Tables:0:Name"] = "users",
            ["Migration:Tables:0:VersionColumn"] = "utime",
            ["Migration:Tables:1:Name"] = "order_lines",
            ["Migration:Tables:1:VersionColumn"] = "utime",
            ["Migration:Validation:LateCommitWindowMs"] = "500",
        });
        var db = api.Databases;
        var client = api.CreateClient();
        foreach (var side in new[] { Direction.Src, Direction.Dst })
        {
            await db.ExecuteAsync(side, "INSERT INTO order_lines (order_id, line_no, sku, qty, price, utime) VALUES (42, 1, 'SKU-1', 1, 2.5, 1000)");
        }

        if (InstallTriggers)
        {
            var installed = await client.PostAsync("/migrator/change-capture/install", null, _ct);
            Assert.True(installed.StatusCode == HttpStatusCode.OK, await installed.Content.ReadAsStringAsync(_ct));
            var dto = (await installed.Content.ReadFromJsonAsync<ChangeCaptureDto>(_ct))!;
            Assert.Equal(["users", "order_lines"], dto.Tables);
            Assert.Equal(6, dto.Created.Count);
            Assert.All(dto.Created, name => Assert.StartsWith("migration_", name, StringComparison.Ordinal));
            // Idempotent: nothing more to create.
            Assert.Empty((await (await client.PostAsync("/migrator/change-capture/install", null, _ct)).Content.ReadFromJsonAsync<ChangeCaptureDto>(_ct))!.Created);
            var status = await api.StatusAsync();
            Assert.Equal(["users", "order_lines"], status.Journal!.Sides.Single(s => s.Side == "SRC").Triggers);
        }

        var now = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
        var started = await client.PostAsJsonAsync("/migrator/incr/start", new { utime = now, interval = 50 }, _ct);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        await api.WaitForStatusAsync(s => s.Incremental!.Tables.All(t => t.Status == "running"));

        // Outside the pool, on the source only: deletes, a bulk update that leaves utime alone, an insert with an old
        // utime, and an update that moves a line to another key. The version walk sees none of them.
        await db.ExecuteAsync(Direction.Src, "DELETE FROM users WHERE id IN (40, 41)");
        await db.ExecuteAsync(Direction.Src, "UPDATE users SET name = 'bulk' WHERE id BETWEEN 42 AND 45");
        await db.ExecuteAsync(Direction.Src,
            "INSERT INTO users (id, name, email, age, balance, ctime, utime) VALUES (5000, 'by sql', 's@example.com', 30, 1.5, 1000, 1000)");
        await db.ExecuteAsync(Direction.Src, "UPDATE order_lines SET line_no = 2 WHERE order_id = 42 AND line_no = 1");
        var written = Stopwatch.StartNew();

        await Eventually.HoldsAsync(async () => await SameAsync(db, Written)
                && await db.CountDifferencesAsync("order_lines", "order_id", "line_no") == 0
                && MigrationApi.Drained(await api.StatusAsync()),
            "every write by SQL repaired on the target");
        var delay = written.Elapsed;

        var target = await db.ReadAllAsync(Direction.Dst);
        Assert.False(target.ContainsKey(40) || target.ContainsKey(41));
        Assert.All(new long[] { 42, 43, 44, 45 }, id => Assert.Contains("name=bulk", target[id], StringComparison.Ordinal));
        Assert.Contains("name=by sql", target[5000], StringComparison.Ordinal);
        Assert.Equal(["42|2"], (await db.ReadAllByKeyAsync(Direction.Dst, "order_lines", "order_id", "line_no")).Keys);
        Assert.Equal(2, api.Publisher.Published.Count(e => e.Type == InconsistencyType.BaseMissing && e.Table == "users"));
        TestContext.Current.TestOutputHelper?.WriteLine($"{GetType().Name}: writes by SQL repaired {delay.TotalMilliseconds:F0} ms after the last one");

        // Removed: idempotent as well.
        var removed = (await (await client.PostAsync("/migrator/change-capture/remove", null, _ct)).Content.ReadFromJsonAsync<ChangeCaptureDto>(_ct))!;
        Assert.Equal(InstallTriggers ? 6 : 0, removed.Created.Count);
        Assert.Empty((await (await client.PostAsync("/migrator/change-capture/remove", null, _ct)).Content.ReadFromJsonAsync<ChangeCaptureDto>(_ct))!.Created);
        await client.PostAsync("/migrator/incr/stop", null, _ct);
    }
}

public sealed class SqliteChangeCaptureTests : ChangeCaptureTests
{
    protected override Task<TestDatabases> CreateDatabasesAsync() => Task.FromResult<TestDatabases>(new SqliteTestDatabases());
}

public sealed class MariaDbChangeCaptureTests(MariaDbFixture mariaDb) : ChangeCaptureTests
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    protected override async Task<TestDatabases> CreateDatabasesAsync() =>
        await MariaDbTestDatabases.CreateAsync(await mariaDb.GetServerAsync());

    [Fact]
    public async Task IncrementalRun_TextKeysUnderACaseInsensitiveCollation_WritesBySqlAreRepaired()
    {
        var databases = await CreateDatabasesAsync();
        foreach (var side in new[] { Direction.Src, Direction.Dst })
        {
            await databases.ExecuteAsync(side,
                "CREATE TABLE coded (code VARCHAR(20) COLLATE utf8mb4_general_ci NOT NULL PRIMARY KEY, v VARCHAR(20) NOT NULL)");
            await databases.ExecuteAsync(side, "INSERT INTO coded VALUES ('Alpha', 'a'), ('beta', 'b'), ('Gamma', 'g')");
        }

        await using var api = new MigrationApi(databases, settings: new Dictionary<string, string?>
        {
            ["Migration:Seed:Enabled"] = "false",
            ["Migration:Tables:0:Name"] = "coded",
            ["Migration:ChangeCapture"] = "Triggers",
        });
        await api.WaitForStatusAsync(s => s.Journal?.Sides.Single(x => x.Side == "SRC").Triggers is ["coded"]);
        var started = await api.CreateClient().PostAsJsonAsync("/migrator/incr/start", new { utime = 0, interval = 50 }, _ct);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        await api.WaitForStatusAsync(s => s.Incremental!.Tables.All(t => t.Status == "running"));

        await databases.ExecuteAsync(Direction.Src, "DELETE FROM coded WHERE code = 'Alpha'");
        await databases.ExecuteAsync(Direction.Src, "UPDATE coded SET v = 'changed' WHERE code = 'beta'");
        await databases.ExecuteAsync(Direction.Src, "INSERT INTO coded VALUES ('Delta', 'd')");

        await Eventually.HoldsAsync(async () => await databases.CountDifferencesAsync("coded", "code") == 0 && MigrationApi.Drained(await api.StatusAsync()),
            "the text-keyed rows repaired on the target");
        Assert.Equal(["beta", "Delta", "Gamma"], (await databases.ReadAllByKeyAsync(Direction.Dst, "coded", "code")).Keys.Order(StringComparer.OrdinalIgnoreCase));
        await api.CreateClient().PostAsync("/migrator/incr/stop", null, _ct);
    }

    [Fact]
    public async Task Install_AccountWithoutTriggerPrivilege_Returns409NamingTheAccountAndThePrivilege()
    {
        var databases = (MariaDbTestDatabases)await CreateDatabasesAsync();
        var source = new MySqlConnectionStringBuilder(databases.ConnectionString(Direction.Src));
        var user = $"nocapture_{Guid.NewGuid().ToString("N")[..8]}";
        await databases.ExecuteAsync(Direction.Src, $"CREATE USER '{user}'@'%' IDENTIFIED BY 'pw'");
        await databases.ExecuteAsync(Direction.Src,
            $"GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, DROP ON `{source.Database}`.* TO '{user}'@'%'");
        var logs = new LogCollector();
        var restricted = new MySqlConnectionStringBuilder(source.ConnectionString) { UserID = user, Password = "pw" };
        await using var api = new MigrationApi(databases, seedRows: 100, new Dictionary<string, string?>
        {
            ["Migration:Source:ConnectionString"] = restricted.ConnectionString,
            ["Migration:ChangeCapture"] = "Triggers",
        }, services: s => s.AddSingleton<ILoggerProvider>(logs));

        var response = await api.CreateClient().PostAsync("/migrator/change-capture/install", null, _ct);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(_ct));
        Assert.Equal($"{user}@%", problem.RootElement.GetProperty("account").GetString());
        Assert.Equal("TRIGGER", problem.RootElement.GetProperty("privilege").GetString());
        Assert.Contains("lacks the TRIGGER privilege", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        // Installing at start met the same refusal: one error line saying so.
        await Eventually.HoldsAsync(() => Task.FromResult(logs.Entries.Any(e => e.Level == LogLevel.Error
            && e.Message.Contains("could not be installed", StringComparison.Ordinal) && e.Message.Contains("TRIGGER", StringComparison.Ordinal))),
            "the start-up error line");
        await databases.ExecuteAsync(Direction.Src, $"DROP USER '{user}'@'%'");
    }
}
