using System.Net;
using System.Net.Http.Json;
using Migration.Application.Validation;
using Migration.Domain;
using Migration.Domain.Inconsistencies;
using Microsoft.Extensions.DependencyInjection;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>
/// The control API end to end: HTTP → mediator → scheduler → validator → publisher → repair, on real databases.
/// Each provider runs the same tests through its own subclass.
/// </summary>
public abstract class ValidationApiTests
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    protected abstract Task<TestDatabases> CreateDatabasesAsync();

    private async Task<MigrationApi> StartAsync(int seedRows = 3_000, Dictionary<string, string?>? settings = null)
    {
        var api = new MigrationApi(await CreateDatabasesAsync(), seedRows, settings);
        _ = api.Server; // starts the host: schema and seed are in place before the first request
        return api;
    }

    [Fact]
    public async Task FullStart_SeededDrift_ReportsExactlyTheDifferingIdsAndRepairsThem()
    {
        await using var api = await StartAsync();
        var before = await api.Databases.DiffAsync();
        Assert.NotEmpty(before.TargetMissing);
        Assert.NotEmpty(before.Neq);
        Assert.NotEmpty(before.BaseMissing);

        var response = await api.CreateClient().PostAsync("/migrator/full/start", null, _ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var run = await response.Content.ReadFromJsonAsync<RunDto>(_ct);
        Assert.Equal("full", run!.Kind);

        var status = await api.WaitForStatusAsync(s => s.Full?.Status == "completed" && MigrationApi.Drained(s));
        Assert.Equal(before.TargetMissing, api.Publisher.IdsOf(InconsistencyType.TargetMissing));
        Assert.Equal(before.Neq, api.Publisher.IdsOf(InconsistencyType.Neq));
        Assert.Equal(before.BaseMissing, api.Publisher.IdsOf(InconsistencyType.BaseMissing));
        Assert.All(api.Publisher.Published, e => Assert.Equal(Direction.Src, e.Direction));
        Assert.All(api.Publisher.Published.Where(e => e.Type == InconsistencyType.Neq), e => Assert.Equal(["email", "balance"], e.Columns));
        Assert.Equal(new InconsistencyCountsDto(before.TargetMissing.Count, before.Neq.Count, before.BaseMissing.Count), status.Full!.Inconsistencies);
        Assert.Equal(3_000, status.Full.RowsChecked);
        Assert.Equal(before.TargetMissing.Count + before.Neq.Count, status.Repair.Upserted);
        Assert.Equal(before.BaseMissing.Count, status.Repair.Deleted);

        var after = await api.Databases.DiffAsync();
        Assert.Empty(after.TargetMissing);
        Assert.Empty(after.Neq);
        Assert.Empty(after.BaseMissing);

        // A second run over the repaired table finds nothing.
        await api.CreateClient().PostAsync("/migrator/full/start", null, _ct);
        var second = await api.WaitForStatusAsync(s => s.Full?.Id != run.Id && s.Full?.Status == "completed");
        Assert.Equal(new InconsistencyCountsDto(0, 0, 0), second.Full!.Inconsistencies);
    }

    [Fact]
    public async Task IncrStart_RowEditedInSource_IsDetectedAndRepaired_ThenStopReturnsFinalCounters()
    {
        await using var api = await StartAsync();
        var client = api.CreateClient();
        var seeded = await api.Databases.DiffAsync();

        var response = await client.PostAsJsonAsync("/migrator/incr/start", new { utime = 0, interval = 100 }, _ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var run = (await response.Content.ReadFromJsonAsync<RunDto>(_ct))!;
        Assert.Equal(("incremental", "running", 100L), (run.Kind, run.Status, run.Interval!.Value));

        // First it catches up with the seeded drift: every planted difference reported (not only the first batch's), and repaired.
        await api.WaitForStatusAsync(s => MigrationApi.Drained(s) && s.Repair.Repaired > 0
            && s.Incremental!.Inconsistencies.TargetMissing >= seeded.TargetMissing.Count && s.Incremental.Inconsistencies.Neq >= seeded.Neq.Count);
        var caughtUp = await api.Databases.DiffAsync();
        Assert.Empty(caughtUp.TargetMissing);
        Assert.Empty(caughtUp.Neq);

        // Then an edit in the source, with a newer utime, reaches the target.
        var neqBefore = (await api.StatusAsync()).Incremental!.Inconsistencies.Neq;
        var now = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
        var edited = await api.Databases.ExecuteAsync(Direction.Src, $"UPDATE users SET email = 'edited@example.com', utime = {now} WHERE id = 1234");
        Assert.Equal(1, edited);
        await api.WaitForStatusAsync(s => s.Incremental!.Inconsistencies.Neq > neqBefore && MigrationApi.Drained(s));
        var target = await api.Databases.ReadAllAsync(Direction.Dst);
        Assert.Contains("email=edited@example.com", target[1234], StringComparison.Ordinal);
        Assert.Contains(api.Publisher.Published, e => e.Id == 1234 && e.Type == InconsistencyType.Neq && e.Columns.SequenceEqual(["email", "utime"]));

        var stop = await client.PostAsync("/migrator/incr/stop", null, _ct);
        Assert.Equal(HttpStatusCode.OK, stop.StatusCode);
        var stopped = (await stop.Content.ReadFromJsonAsync<StopResultDto>(_ct))!;
        Assert.True(stopped.WasRunning);
        Assert.Equal(("stopped", run.Id), (stopped.Run!.Status, stopped.Run.Id));
        Assert.True(long.Parse(stopped.Run.Tables[0].Cursor.Version!, System.Globalization.CultureInfo.InvariantCulture) >= now);

        var again = (await (await client.PostAsync("/migrator/incr/stop", null, _ct)).Content.ReadFromJsonAsync<StopResultDto>(_ct))!;
        Assert.False(again.WasRunning);
        Assert.Equal(stopped.Run.RowsChecked, again.Run!.RowsChecked);
    }

    [Fact]
    public async Task IncrRun_MismatchMendedWithinTheRecheckDelay_IsClearedNotReported()
    {
        await using var api = await StartAsync(seedRows: 300, new() { ["Migration:Validation:RecheckDelayMs"] = "1500" });
        var planted = await api.Databases.DiffAsync();
        var client = api.CreateClient();
        await client.PostAsJsonAsync("/migrator/incr/start", new { utime = 0, interval = 20 }, _ct);
        await api.WaitForStatusAsync(s => s.Incremental!.EventsPublished >= planted.TargetMissing.Count + planted.Neq.Count + planted.BaseMissing.Count
            && s.Incremental.SuspectsPending == 0 && MigrationApi.Drained(s));
        var clearedBefore = (await api.StatusAsync()).Incremental!.SuspectsCleared;

        // A double write whose second half lands after the validator saw the first: a mismatch for a moment only.
        var now = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
        await api.Databases.ExecuteAsync(Direction.Src, $"UPDATE users SET name = 'mid write', utime = {now} WHERE id = 5");
        await api.WaitForStatusAsync(s => s.Incremental!.SuspectsPending > 0);
        await api.Databases.ExecuteAsync(Direction.Dst, $"UPDATE users SET name = 'mid write', utime = {now} WHERE id = 5");

        var status = await api.WaitForStatusAsync(s => s.Incremental!.SuspectsPending == 0);
        Assert.Equal(clearedBefore + 1, status.Incremental!.SuspectsCleared);
        Assert.DoesNotContain(api.Publisher.Published, e => e.Id == 5);
    }

    [Fact]
    public async Task FullRun_InterruptedByShutdownAndResumed_FindsWhatAnUninterruptedRunFinds()
    {
        var databases = await CreateDatabasesAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Migration:Validation:BatchSize"] = "50",
            ["Migration:Validation:ChunkRows"] = "10",
            ["Migration:Validation:CheckpointIntervalMs"] = "100",
            // One range at a time, so what is reported before the stall is exactly what lies before the checkpoint.
            ["Migration:Validation:Parallelism"] = "1",
            // Slow enough that the first differences are re-checked and published long before the walk could end.
            ["Migration:Validation:MaxRowsPerSecond"] = "4000",
        };
        await using var second = new MigrationApi(databases, seedRows: 20_000, settings);
        Drift planted;
        Guid runId;
        InconsistentEvent[] beforeRestart;
        await using (var first = new MigrationApi(databases, seedRows: 20_000, settings, ownsDatabases: false))
        {
            _ = first.Server;
            planted = await databases.DiffAsync();

            // Let the first differences out, then hold the rest as if the event path had stalled, and shut down.
            first.Publisher.HoldAfter(1);
            var started = await (await first.CreateClient().PostAsync("/migrator/full/start", null, _ct)).Content.ReadFromJsonAsync<RunDto>(_ct);
            runId = started!.Id;
            await first.WaitForStatusAsync(s => s.Full!.EventsPublished > 0 && Volatile.Read(ref first.Publisher.Held) > 0);
            beforeRestart = [.. first.Publisher.Published];
        }

        // The shutdown interrupted the run and saved a cursor before every difference it had not reported.
        var shown = await second.StatusAsync();
        Assert.Equal(("interrupted", runId), (shown.Full!.Status, shown.Full.Id));
        var resumeAfter = long.Parse(shown.Full.Tables[0].Cursor.Key!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(resumeAfter, beforeRestart.Max(e => e.Id), 19_000);

        var resumed = await second.CreateClient().PostAsJsonAsync("/migrator/full/start", new { resume = true }, _ct);
        Assert.Equal(HttpStatusCode.Accepted, resumed.StatusCode);
        var final = await second.WaitForStatusAsync(s => s.Full!.Status == "completed" && MigrationApi.Drained(s), seconds: 60);
        Assert.Equal(runId, final.Full!.Id);

        // The resumed run went on from the checkpoint, and together the two lives reported every planted difference.
        Assert.All(second.Publisher.Published, e => Assert.True(e.Id > resumeAfter, $"{e.Id} was checked before the checkpoint"));
        InconsistentEvent[] all = [.. beforeRestart, .. second.Publisher.Published];
        Assert.Equal(planted.TargetMissing, all.Where(e => e.Type == InconsistencyType.TargetMissing).Select(e => e.Id).ToHashSet());
        Assert.Equal(planted.Neq, all.Where(e => e.Type == InconsistencyType.Neq).Select(e => e.Id).ToHashSet());
        Assert.Equal(planted.BaseMissing, all.Where(e => e.Type == InconsistencyType.BaseMissing).Select(e => e.Id).ToHashSet());
        Assert.Equal(all.Length, all.Select(e => e.Id).Distinct().Count());
        var after = await databases.DiffAsync();
        Assert.Empty(after.TargetMissing.Concat(after.Neq).Concat(after.BaseMissing));
    }

    [Fact]
    public async Task FullRun_WithMaxRowsPerSecond_IsHeldToTheLimit()
    {
        await using var api = await StartAsync(seedRows: 3_000, new() { ["Migration:Validation:ChunkRows"] = "100", ["Migration:Validation:BatchSize"] = "100" });

        var response = await api.CreateClient().PostAsJsonAsync("/migrator/full/start", new { maxRowsPerSecond = 1_000 }, _ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(1_000, (await response.Content.ReadFromJsonAsync<RunDto>(_ct))!.MaxRowsPerSecond);
        var done = await api.WaitForStatusAsync(s => s.Full!.Status == "completed", seconds: 30);

        // 3,000 rows at 1,000 a second, with one second's worth allowed at once, take two seconds at least.
        var took = done.Full!.EndedAt!.Value - done.Full.StartedAt;
        Assert.True(took >= TimeSpan.FromSeconds(1.8), $"the run took {took}");
        Assert.Equal(3_000, done.Full.RowsChecked);
    }

    [Fact]
    public async Task Resume_WithNothingToResume_Returns409()
    {
        await using var api = await StartAsync(seedRows: 10);
        var response = await api.CreateClient().PostAsJsonAsync("/migrator/incr/start", new { interval = 100, resume = true }, _ct);
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Null((await api.StatusAsync()).Incremental);
    }

    [Fact]
    public async Task IncrStop_WhileWaitingOutAnHourLongInterval_ReturnsPromptly()
    {
        await using var api = await StartAsync(seedRows: 200);
        var client = api.CreateClient();
        await client.PostAsJsonAsync("/migrator/incr/start", new { utime = 0, interval = 3_600_000 }, _ct);
        await api.WaitForStatusAsync(s => s.Incremental!.RowsChecked > 0 && MigrationApi.Drained(s) && s.Repair.Repaired > 0);

        var started = TimeProvider.System.GetTimestamp();
        var stop = await client.PostAsync("/migrator/incr/stop", null, _ct);
        var elapsed = TimeProvider.System.GetElapsedTime(started);

        Assert.Equal(HttpStatusCode.OK, stop.StatusCode);
        Assert.Equal("stopped", (await api.StatusAsync()).Incremental!.Status);
        Assert.True(elapsed < TimeSpan.FromSeconds(2), $"stop took {elapsed}");
    }

    [Fact]
    public async Task IncrRun_TargetQueriesFail_ErrorsAreCountedAndRetriedWithoutSkippingRows()
    {
        await using var api = await StartAsync(seedRows: 500);
        var client = api.CreateClient();
        await client.PostAsJsonAsync("/migrator/incr/start", new { utime = 0, interval = 50 }, _ct);
        await api.WaitForStatusAsync(s => MigrationApi.Drained(s) && s.Repair.Repaired > 0);

        await api.Databases.ExecuteAsync(Direction.Dst, "ALTER TABLE users RENAME TO users_away");
        var now = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
        await api.Databases.ExecuteAsync(Direction.Src, $"UPDATE users SET name = 'during outage', utime = {now} WHERE id IN (10, 20, 30)");
        var failing = await api.WaitForStatusAsync(s => s.Incremental!.Errors > 0);
        Assert.Contains("users", failing.Incremental!.LastError, StringComparison.Ordinal);
        Assert.Equal("running", failing.Incremental.Status);
        await api.Databases.ExecuteAsync(Direction.Dst, "ALTER TABLE users_away RENAME TO users");

        // The seeded drift may still be repairing rows 10, 20 and 30: wait for the outage's values themselves.
        await Eventually.HoldsAsync(async () =>
        {
            var target = await api.Databases.ReadAllAsync(Direction.Dst);
            return new[] { 10L, 20L, 30L }.All(id => target[id].Contains("name=during outage", StringComparison.Ordinal));
        }, "the rows updated during the outage reach the target");
        Assert.All(new[] { 10L, 20L, 30L }, id => Assert.Contains(api.Publisher.Published, e => e.Id == id && e.DetectedAt.ToUnixTimeMilliseconds() >= now));
    }

    [Fact]
    public async Task FullRun_PublishFails_EventsAreRetriedAndNoneLost()
    {
        await using var api = await StartAsync(seedRows: 1_000);
        var before = await api.Databases.DiffAsync();
        api.Publisher.FailNext(3);

        await api.CreateClient().PostAsync("/migrator/full/start", null, _ct);
        var status = await api.WaitForStatusAsync(s => s.Full?.Status == "completed" && MigrationApi.Drained(s));

        Assert.Equal(3, api.Publisher.FailedCalls);
        Assert.True(status.Full!.Errors >= 3);
        Assert.Equal(before.TargetMissing.Count + before.Neq.Count + before.BaseMissing.Count, status.Full.EventsPublished);
        Assert.Equal(before.Neq, api.Publisher.IdsOf(InconsistencyType.Neq));
    }

    [Fact]
    public async Task ConcurrentStartAndStopCalls_LeaveAtMostOneTaskPerKind()
    {
        await using var api = await StartAsync(seedRows: 500);
        var scheduler = api.Services.GetRequiredService<Migration.Application.Validation.ValidationScheduler>();
        var client = api.CreateClient();
        var calls = Enumerable.Range(0, 60).Select(i => (i % 4) switch
        {
            0 => client.PostAsJsonAsync("/migrator/incr/start", new { utime = i, interval = 20 }, _ct),
            1 => client.PostAsync("/migrator/incr/stop", null, _ct),
            2 => client.PostAsync("/migrator/full/start", null, _ct),
            _ => client.PostAsync("/migrator/full/stop", null, _ct),
        });
        var responses = await Task.WhenAll(calls);

        Assert.All(responses, r => Assert.True(r.IsSuccessStatusCode, r.StatusCode.ToString()));
        Assert.Equal(1, scheduler.MaxLiveTasks(Migration.Domain.Runs.RunKind.Incremental));
        Assert.Equal(1, scheduler.MaxLiveTasks(Migration.Domain.Runs.RunKind.Full));
        await client.PostAsync("/migrator/incr/stop", null, _ct);
        await client.PostAsync("/migrator/full/stop", null, _ct);
        Assert.Equal(0, scheduler.LiveTasks(Migration.Domain.Runs.RunKind.Incremental));
        Assert.Equal(0, scheduler.LiveTasks(Migration.Domain.Runs.RunKind.Full));
        var status = await api.StatusAsync();
        Assert.NotEqual("running", status.Incremental!.Status);
        Assert.NotEqual("running", status.Full!.Status);
    }
}

public sealed class SqliteValidationApiTests : ValidationApiTests
{
    protected override Task<TestDatabases> CreateDatabasesAsync() => Task.FromResult<TestDatabases>(new SqliteTestDatabases());
}

public sealed class MariaDbValidationApiTests(MariaDbFixture mariaDb) : ValidationApiTests
{
    protected override async Task<TestDatabases> CreateDatabasesAsync() =>
        await MariaDbTestDatabases.CreateAsync(await mariaDb.GetServerAsync());
}
