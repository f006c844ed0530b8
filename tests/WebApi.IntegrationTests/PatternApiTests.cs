using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Migration.Application.Abstractions;
using Migration.Application.Patterns;
using Migration.Application.Patterns.Cutover;
using Migration.Application.Users;
using Migration.Domain;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>
/// Pattern switching over HTTP: the move rule, forcing, the durable store shared by instances, and what a switch does
/// to running validation. Each provider runs the same tests through its own subclass.
/// </summary>
public abstract class PatternApiTests
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    protected abstract Task<TestDatabases> CreateDatabasesAsync();

    /// <param name="ownsDatabases">False for every instance but the one disposed last, which drops the shared databases.</param>
    private static MigrationApi Start(
        TestDatabases databases, string? instanceId = null, int refreshMs = 200, string pattern = "src_only", int seedRows = 300, bool ownsDatabases = true)
    {
        var api = new MigrationApi(databases, seedRows, new Dictionary<string, string?>
        {
            ["Migration:Pattern"] = pattern,
            ["Migration:PatternRefreshMs"] = refreshMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Migration:InstanceId"] = instanceId,
        }, ownsDatabases);
        _ = api.Server; // starts the host: schema, seed and the pattern are in place before the first request
        return api;
    }

    private async Task<HttpResponseMessage> SwitchAsync(MigrationApi api, string pattern, bool force = false) =>
        await api.CreateClient().PostAsync($"/migrator/{pattern}{(force ? "?force=true" : "")}", null, _ct);

    private async Task<PatternSwitchDto> SwitchOkAsync(MigrationApi api, string pattern, bool force = false)
    {
        var response = await SwitchAsync(api, pattern, force);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(_ct));
        return (await response.Content.ReadFromJsonAsync<PatternSwitchDto>(_ct))!;
    }

    [Fact]
    public async Task Switch_OneStepAtATime_WalksAllFourPatternsAndBack()
    {
        await using var api = Start(await CreateDatabasesAsync());
        Assert.Equal(("src_only", 1L, "SRC"), ((await api.PatternAsync()).Pattern, (await api.PatternAsync()).Version, (await api.PatternAsync()).BaseSide));

        var expectedVersion = 1L;
        foreach (var (pattern, baseSide) in new[] { ("src_first", "SRC"), ("dst_first", "DST"), ("dst_only", "DST"), ("dst_first", "DST"), ("src_first", "SRC") })
        {
            if (baseSide != (await api.PatternAsync()).BaseSide)
            {
                await api.ProveCutoverAsync();
            }

            var switched = await SwitchOkAsync(api, pattern);
            expectedVersion++;
            Assert.Equal((pattern, true, false, expectedVersion, baseSide), (switched.Pattern, switched.Changed, switched.Forced, switched.Version, switched.BaseSide));
            var state = await api.PatternAsync();
            Assert.Equal((pattern, pattern, expectedVersion, true), (state.Pattern, state.Applied, state.Version, state.Converged));
            Assert.Equal(pattern, (await api.StatusAsync()).Pattern);
        }

        var again = await SwitchOkAsync(api, "src_first");
        Assert.False(again.Changed);
        Assert.Equal(expectedVersion, again.Version);
    }

    [Theory]
    [InlineData("dst_first", new[] { "src_first" })]
    [InlineData("dst_only", new[] { "src_first" })]
    public async Task Switch_JumpWithoutForce_Returns409NamingCurrentAndAllowedMoves(string target, string[] allowed)
    {
        await using var api = Start(await CreateDatabasesAsync());

        var response = await SwitchAsync(api, target);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(_ct));
        var root = problem.RootElement;
        Assert.Equal(409, root.GetProperty("status").GetInt32());
        Assert.Equal("src_only", root.GetProperty("current").GetString());
        Assert.Equal(target, root.GetProperty("requested").GetString());
        Assert.Equal(allowed, root.GetProperty("allowed").EnumerateArray().Select(a => a.GetString()!).ToArray());
        Assert.Contains("src_only", root.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(("src_only", 1L), ((await api.PatternAsync()).Pattern, (await api.PatternAsync()).Version));
    }

    [Fact]
    public async Task Switch_ForcedJump_IsAppliedAndRecordedAsForced()
    {
        await using var api = Start(await CreateDatabasesAsync());

        var switched = await SwitchOkAsync(api, "dst_only", force: true);

        Assert.Equal(("src_only", "dst_only", true, true, "DST"), (switched.Previous, switched.Pattern, switched.Changed, switched.Forced, switched.BaseSide));
        var state = await api.PatternAsync();
        Assert.Equal(("dst_only", true, "DST"), (state.Pattern, state.Forced, state.BaseSide));
        Assert.Equal(api.Services.GetRequiredService<IInstanceRegistry>().InstanceId, state.ChangedBy);
        Assert.Equal(["dst_first"], state.Allowed);
    }

    [Fact]
    public async Task Switch_ForceThatIsNotABoolean_Returns400NamingForce()
    {
        await using var api = Start(await CreateDatabasesAsync());

        var response = await api.CreateClient().PostAsync("/migrator/src_first?force=maybe", null, _ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(_ct));
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty("force", out _), problem.RootElement.ToString());
        Assert.Equal("src_only", (await api.PatternAsync()).Pattern);
    }

    [Fact]
    public async Task Switch_ConcurrentSwitchesFromOneState_OnlyOneApplies()
    {
        await using var api = Start(await CreateDatabasesAsync());
        var client = api.CreateClient();

        // Twenty callers race from src_only: each reads version 1 and compare-and-sets from it.
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            client.PostAsync(i % 2 == 0 ? "/migrator/src_first" : "/migrator/dst_only?force=true", null, _ct)));

        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.Conflict }));
        var changed = new List<PatternSwitchDto>();
        foreach (var response in responses.Where(r => r.StatusCode == HttpStatusCode.OK))
        {
            var body = (await response.Content.ReadFromJsonAsync<PatternSwitchDto>(_ct))!;
            if (body.Changed && body.Previous == "src_only")
            {
                changed.Add(body);
            }
        }

        Assert.Single(changed);
        Assert.Equal(2, changed[0].Version);
    }

    [Fact]
    public async Task Pattern_AfterRestart_IsTheStoredOneNotTheConfiguredOne()
    {
        var databases = await CreateDatabasesAsync();
        await using (var first = Start(databases, pattern: "src_only", ownsDatabases: false))
        {
            await SwitchOkAsync(first, "src_first");
        }

        await using var second = Start(databases, pattern: "src_only");

        var state = await second.PatternAsync();
        Assert.Equal(("src_first", "src_first", 2L), (state.Pattern, state.Applied, state.Version));
        Assert.Equal("src_first", (await second.StatusAsync()).Pattern);
    }

    [Fact]
    public async Task Switch_BaseSideChangesWhileRunsAreActive_RestartsThemWithTheNewBaseAndSaysSo()
    {
        await using var api = Start(await CreateDatabasesAsync(), pattern: "src_first", seedRows: 3_000);
        var client = api.CreateClient();
        await client.PostAsJsonAsync("/migrator/incr/start", new { utime = 5, interval = 100 }, _ct);
        var before = await api.WaitForStatusAsync(s => s.Incremental!.RowsChecked > 0);

        // src_first → src_only keeps the base (SRC): the run keeps going.
        var kept = await SwitchOkAsync(api, "src_only");
        var keptRun = Assert.Single(kept.Validation);
        Assert.Equal(("incremental", false, before.Incremental!.Id), (keptRun.Kind, keptRun.Restarted, keptRun.Run.Id));

        await SwitchOkAsync(api, "src_first");
        await api.ProveCutoverAsync();
        var switched = await SwitchOkAsync(api, "dst_first");

        var restarted = Assert.Single(switched.Validation, r => r.Kind == "incremental");
        Assert.Equal(("incremental", true, before.Incremental.Id), (restarted.Kind, restarted.Restarted, restarted.ReplacedRunId));
        Assert.Equal(("DST", "running", 100L), (restarted.Run.BaseSide, restarted.Run.Status, restarted.Run.Interval!.Value));
        Assert.True(restarted.Run.Utime >= 5, "the restarted run never starts before the original utime");
        Assert.Contains("Restarted incremental validation with base DST", switched.Message, StringComparison.Ordinal);
        var status = await api.StatusAsync();
        Assert.Equal((restarted.Run.Id, "DST", "running"), (status.Incremental!.Id, status.Incremental.BaseSide, status.Incremental.Status));
        await client.PostAsync("/migrator/incr/stop", null, _ct);
    }

    [Fact]
    public async Task Switch_BaseChangeWithoutProof_Is409WithReasonsUntilAFullRunIsRepaired_ForceIsStoredWithWho()
    {
        await using var api = Start(await CreateDatabasesAsync(), pattern: "src_first");

        var cutover = await api.CreateClient().GetFromJsonAsync<CutoverDto>("/migrator/cutover", _ct);
        Assert.Equal(("src_first", "dst_first", true, false), (cutover!.Current, cutover.Next, cutover.ChangesBase, cutover.Ready));
        Assert.Contains(cutover.Reasons, r => r.StartsWith("no full validation with base SRC", StringComparison.Ordinal));

        var refused = await SwitchAsync(api, "dst_first");
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        using (var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync(_ct)))
        {
            Assert.NotEmpty(problem.RootElement.GetProperty("reasons").EnumerateArray());
            Assert.True(problem.RootElement.TryGetProperty("atRisk", out _));
        }

        Assert.Equal("src_first", (await api.PatternAsync()).Pattern);

        // The seed's drift is found and repaired by a full run; then the same switch goes through, not forced.
        await api.ProveCutoverAsync();
        cutover = await api.CreateClient().GetFromJsonAsync<CutoverDto>("/migrator/cutover", _ct);
        Assert.True(cutover!.Ready, string.Join("; ", cutover.Reasons));
        Assert.Equal(("completed", "SRC"), (cutover.LastFullRun!.Status, cutover.LastFullRun.BaseSide));
        var switched = await SwitchOkAsync(api, "dst_first");
        Assert.False(switched.Forced);

        // Back to SRC needs a run with base DST: forcing it is allowed, and stored with the key that forced it.
        var forced = await SwitchOkAsync(api, "src_first", force: true);
        Assert.True(forced.Forced);
        var state = await api.PatternAsync();
        Assert.Equal(("src_first", true, "tests"), (state.Pattern, state.Forced, state.ForcedBy));
    }

    [Fact]
    public async Task Cutover_UnknownPattern_Is400NamingTo()
    {
        await using var api = Start(await CreateDatabasesAsync());
        var response = await api.CreateClient().GetAsync("/migrator/cutover?to=dst", _ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"to\"", await response.Content.ReadAsStringAsync(_ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoInstances_SwitchOnOne_TheOtherConvergesAndWritesThroughItFollowTheNewPattern()
    {
        var databases = await CreateDatabasesAsync();
        await using var a = Start(databases, "instance-a");
        await using var b = Start(databases, "instance-b", ownsDatabases: false);
        await Eventually.HoldsAsync(async () => (await a.PatternAsync()).Instances.Count == 2, "both instances heartbeat");

        await SwitchOkAsync(a, "src_first");
        // B applies it at its next refresh, and its heartbeat then tells everyone.
        await Eventually.HoldsAsync(
            async () => (await b.PatternAsync()).Applied == "src_first" && (await a.PatternAsync()).Converged, "instance B applies src_first");

        var state = await a.PatternAsync();
        Assert.Equal(["instance-a", "instance-b"], state.Instances.Select(i => i.Id));
        Assert.All(state.Instances, i => Assert.Equal(("src_first", 2L), (i.Pattern, i.PatternVersion)));
        Assert.Equal("src_first", (await b.StatusAsync()).Pattern);

        // B now double-writes: the user it creates is on both sides with the same id.
        var created = await b.CreateClient().PostAsJsonAsync("/api/users", new { name = "Via B", email = "b@example.com", age = 30, balance = 1.5m }, _ct);
        var user = (await created.Content.ReadFromJsonAsync<UserDto>(_ct))!;
        Assert.Equal((await databases.ReadAllAsync(Direction.Src))[user.Id], (await databases.ReadAllAsync(Direction.Dst))[user.Id]);

        // And a switch made on B reaches A the same way.
        await b.ProveCutoverAsync();
        await SwitchOkAsync(b, "dst_first");
        await Eventually.HoldsAsync(async () => (await a.PatternAsync()) is { Applied: "dst_first", Converged: true }, "instance A applies dst_first");
    }

    [Fact]
    public async Task TwoInstances_StepWhileTheOtherStillAppliesAnOlderPattern_Returns409UnlessForced()
    {
        var databases = await CreateDatabasesAsync();
        await using var a = Start(databases, "instance-a");
        await using var b = Start(databases, "instance-b", refreshMs: 60_000, ownsDatabases: false); // it will not refresh during the test
        await Eventually.HoldsAsync(async () => (await a.PatternAsync()).Instances.Count == 2, "both instances heartbeat");

        await SwitchOkAsync(a, "src_first");
        var refused = await SwitchAsync(a, "dst_first");

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        using var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync(_ct));
        Assert.Equal(["instance-b"], problem.RootElement.GetProperty("lagging").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("src_first", problem.RootElement.GetProperty("current").GetString());
        Assert.False((await a.PatternAsync()).Converged);

        var forced = await SwitchOkAsync(a, "dst_first", force: true);
        Assert.Equal(("dst_first", true), (forced.Pattern, forced.Forced));
    }

    [Fact]
    public async Task TwoInstances_SwitchOnOne_RestartsTheRunOfTheOtherWithTheNewBase()
    {
        var databases = await CreateDatabasesAsync();
        await using var a = Start(databases, "instance-a", pattern: "src_first");
        await using var b = Start(databases, "instance-b", pattern: "src_first", ownsDatabases: false);
        await b.CreateClient().PostAsJsonAsync("/migrator/incr/start", new { utime = 0, interval = 100 }, _ct);
        var before = await b.WaitForStatusAsync(s => s.Incremental!.RowsChecked > 0);
        Assert.Equal("SRC", before.Incremental!.BaseSide);
        await Eventually.HoldsAsync(async () => (await a.PatternAsync()) is { Converged: true, Instances.Count: 2 }, "both instances apply src_first");
        await a.ProveCutoverAsync();

        var switched = await SwitchOkAsync(a, "dst_first");
        Assert.Empty(switched.Validation); // A has no running run of its own

        var after = await b.WaitForStatusAsync(s => s.Incremental!.Id != before.Incremental.Id && s.Incremental.BaseSide == "DST");
        Assert.Equal(("running", 100L), (after.Incremental!.Status, after.Incremental.Interval!.Value));
        await b.CreateClient().PostAsync("/migrator/incr/stop", null, _ct);
    }
}

public sealed class SqlitePatternApiTests : PatternApiTests
{
    protected override Task<TestDatabases> CreateDatabasesAsync() => Task.FromResult<TestDatabases>(new SqliteTestDatabases());
}

public sealed class MariaDbPatternApiTests(MariaDbFixture mariaDb) : PatternApiTests
{
    protected override async Task<TestDatabases> CreateDatabasesAsync() =>
        await MariaDbTestDatabases.CreateAsync(await mariaDb.GetServerAsync());
}
