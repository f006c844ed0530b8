using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Migration.Application.DeadLetters.ListDeadLetters;
using Migration.Application.DeadLetters.RetryDeadLetters;
using Migration.Application.Validation.GetStatus;
using Migration.Domain;
using Migration.WebApi.IntegrationTests.Infrastructure;
using MySqlConnector;

namespace Migration.WebApi.IntegrationTests;

/// <summary>
/// The in-process repair gives up on an event only into a dead letter: listed, counted in the status, replayed on
/// request; and an event whose dead letter cannot be stored stays in the outbox. The target refuses one row with a
/// trigger, so its repair fails for real on every attempt. Each provider runs the tests through its own subclass.
/// </summary>
public abstract partial class DeadLetterTests
{
    /// <summary>Seeded as missing from the target (ids 17, 117, 217 of 300), so a full run reports it for repair.</summary>
    private const long Refused = 117;

    private const int MaxAttempts = 3;

    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    protected abstract Task<TestDatabases> CreateDatabasesAsync();

    /// <summary>Where the control database lives: a SQLite file beside the sides (default), or a MariaDB database.</summary>
    protected virtual Task<Dictionary<string, string?>> ControlSettingsAsync() => Task.FromResult(new Dictionary<string, string?>());

    /// <summary>Runs a statement on the control database.</summary>
    protected abstract Task ExecuteOnControlAsync(TestDatabases db, string sql);

    /// <summary>The provider's statement that renames a table.</summary>
    protected abstract string RenameTable(string from, string to);

    /// <summary>A trigger that makes every insert of row <paramref name="id"/> into the target's users fail.</summary>
    protected abstract string RefuseRowTrigger(long id);

    [Fact]
    public async Task InProcessRepair_FailingEveryAttempt_BecomesADeadLetter_AndReplayRepairsItOnceFixed()
    {
        await using var api = await StartAsync();
        var db = api.Databases;
        await db.ExecuteAsync(Direction.Dst, RefuseRowTrigger(Refused));
        var client = api.CreateClient();

        await client.PostAsync("/migrator/full/start", null, _ct);
        var status = await api.WaitForStatusAsync(s => s.Full?.Status == "completed" && MigrationApi.Drained(s) && s.DeadLetters?.Open == 1);

        // Done as a dead letter: not repaired, not pending, and listed with why, how often and where from.
        var drift = await db.DiffAsync();
        Assert.Equal([Refused], drift.TargetMissing);
        Assert.Equal(1, drift.Total);
        Assert.Equal(1, status.Repair.GaveUp);
        Assert.Equal(1, status.DeadLetters!.Total);
        var page = await ListAsync(client, "");
        var letter = Assert.Single(page.Items);
        Assert.Equal((1L, 1L, (long?)null), (page.Open, page.Total, page.NextBefore));
        Assert.Equal($"users:{Refused}", letter.Key);
        Assert.Equal(api.Publisher.Published.Single(e => e.Id == Refused).EventId, letter.EventId);
        Assert.Contains($"\"ID\":{Refused}", letter.Payload, StringComparison.Ordinal);
        Assert.Contains("refused by the test", letter.Error, StringComparison.Ordinal);
        Assert.Equal(MaxAttempts, letter.Attempts);
        Assert.Equal("in-process", letter.Source);
        Assert.Null(letter.RetriedAt);
        Assert.True(status.Repair.Failed >= MaxAttempts, $"failed attempts: {status.Repair.Failed}");

        // Each retry was counted under its pipeline's name, by the service and by Polly.
        var metrics = await api.CreateAnonymousClient().GetStringAsync("/metrics", _ct);
        Assert.Equal(MaxAttempts - 1, Counter(metrics, "migration_retries_total", api.InstanceId, "pipeline=\"repair\""));
        Assert.Equal(MaxAttempts - 1, Counter(metrics, "resilience_polly_strategy_events_total", api.InstanceId, "event_name=\"OnRetry\"", "pipeline_name=\"repair\""));

        // Once the cause is gone, a replay goes through the outbox again and repairs the row.
        await db.ExecuteAsync(Direction.Dst, "DROP TRIGGER refuse_row");
        var replay = await client.PostAsync("/migrator/dead-letters/retry", null, _ct);
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        var replayed = (await replay.Content.ReadFromJsonAsync<DeadLetterRetryDto>(_ct))!;
        Assert.Equal((1, letter.Id), (replayed.Replayed, Assert.Single(replayed.Ids)));
        await Eventually.HoldsAsync(async () => (await db.DiffAsync()).Total == 0, "repair of the replayed row");
        status = await api.WaitForStatusAsync(MigrationApi.Drained);
        Assert.Equal((0L, 1L), (status.DeadLetters!.Open, status.DeadLetters.Total));
        var after = Assert.Single((await ListAsync(client, "")).Items);
        Assert.NotNull(after.RetriedAt);

        // A dead letter is replayed once: asking again does nothing and says so.
        var again = await client.PostAsJsonAsync("/migrator/dead-letters/retry", new { ids = new[] { letter.Id, 999_999 } }, _ct);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var none = (await again.Content.ReadFromJsonAsync<DeadLetterRetryDto>(_ct))!;
        Assert.Equal(0, none.Replayed);
        Assert.Equal([letter.Id, 999_999], none.NotOpen);
    }

    [Fact]
    public async Task InProcessRepair_DeadLetterCannotBeStored_OutboxKeepsTheEventUntilItCan()
    {
        await using var api = await StartAsync();
        var db = api.Databases;
        await db.ExecuteAsync(Direction.Dst, RefuseRowTrigger(Refused));
        await ExecuteOnControlAsync(db, RenameTable("dead_letters", "dead_letters_away"));

        await api.CreateClient().PostAsync("/migrator/full/start", null, _ct);
        // Every other event is done; this one failed its repair and its dead letter, so it waits in the outbox.
        var status = await api.WaitForStatusAsync(s =>
            s.Full?.Status == "completed" && s.Outbox is { Pending: 1, Errors: >= 2 } && s.Repair.Pending == 1);
        Assert.Equal(0, status.Repair.GaveUp);
        Assert.Equal([Refused], (await db.DiffAsync()).TargetMissing);

        // Once the table is back, the relay's next round stores the dead letter and the event is done.
        await ExecuteOnControlAsync(db, RenameTable("dead_letters_away", "dead_letters"));
        status = await api.WaitForStatusAsync(s => MigrationApi.Drained(s) && s.DeadLetters?.Open == 1);
        Assert.Equal(1, status.Repair.GaveUp);
        var letter = Assert.Single((await ListAsync(api.CreateClient(), "")).Items);
        Assert.Equal($"users:{Refused}", letter.Key);
    }

    [Fact]
    public async Task Status_OutboxUnreadable_AnswersWithEverythingElse()
    {
        await using var api = await StartAsync();
        await ExecuteOnControlAsync(api.Databases, RenameTable("outbox_events", "outbox_events_away"));

        // The status is what an operator reads during a control database's trouble: it must not become a 503.
        var response = await api.CreateClient().GetAsync("/migrator/status", _ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var status = (await response.Content.ReadFromJsonAsync<MigrationStatusDto>(_ct))!;
        Assert.Null(status.Outbox);
        Assert.NotNull(status.DeadLetters);
        await ExecuteOnControlAsync(api.Databases, RenameTable("outbox_events_away", "outbox_events"));
    }

    [Fact]
    public async Task List_ManyDeadLetters_PagesNewestFirst()
    {
        await using var api = await StartAsync();
        var db = api.Databases;
        // Every target_missing row (17, 117, 217) is refused.
        await db.ExecuteAsync(Direction.Dst, RefuseRowTrigger(Refused).Replace($"= {Refused}", "% 100 = 17", StringComparison.Ordinal));
        var client = api.CreateClient();

        await client.PostAsync("/migrator/full/start", null, _ct);
        await api.WaitForStatusAsync(s => s.Full?.Status == "completed" && MigrationApi.Drained(s) && s.DeadLetters?.Open == 3);

        var first = await ListAsync(client, "?limit=2");
        var second = await ListAsync(client, $"?limit=2&before={first.NextBefore}");
        Assert.Equal(2, first.Items.Count);
        Assert.Equal(first.Items[1].Id, first.NextBefore);
        Assert.True(first.Items[0].Id > first.Items[1].Id);
        var last = Assert.Single(second.Items);
        Assert.True(last.Id < first.Items[1].Id);
        Assert.Null(second.NextBefore);
        Assert.Equal(
            ["users:117", "users:17", "users:217"],
            first.Items.Concat(second.Items).Select(d => d.Key).Order(StringComparer.Ordinal));
        Assert.All([first, second], p => Assert.Equal((3L, 3L), (p.Open, p.Total)));
    }

    private async Task<MigrationApi> StartAsync()
    {
        var settings = await ControlSettingsAsync();
        settings["Migration:Repair:MaxAttempts"] = MaxAttempts.ToString(CultureInfo.InvariantCulture);
        settings["Migration:Repair:MaxRetryBackoffMs"] = "200";
        settings["Migration:Outbox:RetryBackoffMs"] = "50";
        settings["Migration:Outbox:MaxRetryBackoffMs"] = "400";
        var api = new MigrationApi(await CreateDatabasesAsync(), seedRows: 300, settings);
        _ = api.Server;
        return api;
    }

    private async Task<DeadLetterPageDto> ListAsync(HttpClient client, string query)
    {
        var response = await client.GetAsync("/migrator/dead-letters" + query, _ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<DeadLetterPageDto>(_ct))!;
    }

    /// <summary>
    /// The value of a Prometheus counter for one instance and the given <c>tag="value"</c> pairs, summed over its other
    /// tags. The meters are per process, so the other hosts of the test run show in every host's scrape too.
    /// </summary>
    internal static double Counter(string metrics, string name, string instanceId, params string[] tags) =>
        metrics.Split('\n')
            .Where(line => line.StartsWith(name + "{", StringComparison.Ordinal)
                && line.Contains($"migration_instance=\"{instanceId}\"", StringComparison.Ordinal)
                && tags.All(tag => line.Contains(tag, StringComparison.Ordinal)))
            .Sum(line => double.Parse(SampleValue().Match(line).Groups[1].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex(@"\} ([0-9.eE+-]+)")]
    private static partial Regex SampleValue();
}

public sealed class SqliteDeadLetterTests : DeadLetterTests
{
    protected override Task<TestDatabases> CreateDatabasesAsync() => Task.FromResult<TestDatabases>(new SqliteTestDatabases());

    protected override async Task ExecuteOnControlAsync(TestDatabases db, string sql)
    {
        await using var connection = new SqliteConnection(((SqliteTestDatabases)db).ControlConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    protected override string RenameTable(string from, string to) => $"ALTER TABLE {from} RENAME TO {to}";

    protected override string RefuseRowTrigger(long id) =>
        $"CREATE TRIGGER refuse_row BEFORE INSERT ON users WHEN NEW.id = {id} BEGIN SELECT RAISE(ABORT, 'refused by the test'); END";
}

/// <summary>MariaDB sides and a MariaDB control database, as a multi-instance deployment has.</summary>
public sealed class MariaDbDeadLetterTests(MariaDbFixture mariaDb) : DeadLetterTests, IAsyncDisposable
{
    private readonly string _control = $"ctl_{Guid.NewGuid():N}"[..20];
    private string? _controlConnection;

    protected override async Task<TestDatabases> CreateDatabasesAsync() =>
        await MariaDbTestDatabases.CreateAsync(await mariaDb.GetServerAsync());

    protected override async Task<Dictionary<string, string?>> ControlSettingsAsync()
    {
        _controlConnection = await (await mariaDb.GetServerAsync()).CreateDatabaseAsync(_control, TestContext.Current.CancellationToken);
        return new()
        {
            ["Migration:Control:Provider"] = "MySql",
            ["Migration:Control:ConnectionString"] = _controlConnection,
        };
    }

    protected override async Task ExecuteOnControlAsync(TestDatabases db, string sql)
    {
        await using var connection = new MySqlConnection(_controlConnection);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    protected override string RenameTable(string from, string to) => $"RENAME TABLE {from} TO {to}";

    protected override string RefuseRowTrigger(long id) =>
        "CREATE TRIGGER refuse_row BEFORE INSERT ON users FOR EACH ROW " +
        $"BEGIN IF NEW.id = {id} THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by the test'; END IF; END";

    public async ValueTask DisposeAsync()
    {
        if (_controlConnection is not null)
        {
            await (await mariaDb.GetServerAsync()).DropDatabaseAsync(_control);
        }
    }
}

/// <summary>Bad paging values and replay bodies get a 400 ProblemDetails naming the field; a replay needs a key.</summary>
public sealed class DeadLetterBadInputTests : IAsyncLifetime
{
    private readonly MigrationApi _api = new(new SqliteTestDatabases(), seedRows: 10);

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _api.DisposeAsync();

    [Theory]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=1001", "limit")]
    [InlineData("?limit=-1", "limit")]
    [InlineData("?limit=abc", "limit")]
    [InlineData("?limit=99999999999", "limit")]
    [InlineData("?before=0", "before")]
    [InlineData("?before=x", "before")]
    [InlineData("?limit=10&before=-5", "before")]
    public async Task List_BadQuery_Returns400NamingTheField(string query, string field)
    {
        var response = await _api.CreateClient().GetAsync("/migrator/dead-letters" + query, TestContext.Current.CancellationToken);

        await AssertNamesFieldAsync(response, field);
    }

    [Theory]
    [InlineData("""{"ids": ["a"]}""", "ids")]
    [InlineData("""{"ids": [1.5]}""", "ids")]
    [InlineData("""{"ids": 5}""", "ids")]
    [InlineData("""{"ids": []}""", "ids")]
    [InlineData("""{"ids": [0]}""", "ids")]
    [InlineData("""{"ids": [1], "all": true}""", "all")]
    [InlineData("""{"idz": [1]}""", "idz")]
    [InlineData("""[1, 2]""", "body")]
    [InlineData("""{"ids": [1]""", "body")]
    public async Task Retry_BadBody_Returns400NamingTheField(string body, string field)
    {
        var response = await _api.CreateClient().PostAsync(
            "/migrator/dead-letters/retry", new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        await AssertNamesFieldAsync(response, field);
    }

    [Fact]
    public async Task Retry_WithoutKey_Returns401_AndWithNothingOpen_ReplaysNone()
    {
        var anonymous = await _api.CreateAnonymousClient().PostAsync("/migrator/dead-letters/retry", null, TestContext.Current.CancellationToken);
        var empty = await _api.CreateClient().PostAsync("/migrator/dead-letters/retry", null, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.OK, empty.StatusCode);
        var result = (await empty.Content.ReadFromJsonAsync<DeadLetterRetryDto>(TestContext.Current.CancellationToken))!;
        Assert.Equal(0, result.Replayed);
        var page = (await _api.CreateClient().GetFromJsonAsync<DeadLetterPageDto>("/migrator/dead-letters", TestContext.Current.CancellationToken))!;
        Assert.Equal((0, 0L, 0L, (long?)null), (page.Items.Count, page.Open, page.Total, page.NextBefore));
    }

    private static async Task AssertNamesFieldAsync(HttpResponseMessage response, string field)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var errors = problem.RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var messages), $"errors should name '{field}': {errors}");
        Assert.Contains(messages.EnumerateArray(), m => !string.IsNullOrWhiteSpace(m.GetString()));
    }
}
