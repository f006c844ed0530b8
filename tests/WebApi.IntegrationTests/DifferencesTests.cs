using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Migration.Application.Inconsistencies;
using Migration.Application.Inconsistencies.ListInconsistencies;
using Migration.Application.Inconsistencies.RepairInconsistencies;
using Migration.Application.Patterns.Cutover;
using Migration.Application.Runs;
using Migration.Application.Runs.ListRuns;
using Migration.Application.Validation;
using Migration.Domain;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>
/// Differences you can act on, on the embedded default with the demo drift of 1,000 rows (DemoDrift: 10 target_missing
/// 17, 117, …; 4 neq 33, 283, 533, 783; 2 base_missing 250, 750): every difference stored with both values and its
/// outcome, listed with filters, pages and CSV; the run history; report-only runs that write nothing; the fix SQL;
/// repair on request; retention; redaction; progress lines.
/// </summary>
public sealed class DifferencesTests
{
    private const int Rows = 1_000;
    private const int Found = 16;
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    private static MigrationApi Api(Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var api = new MigrationApi(new SqliteTestDatabases(), Rows, settings, services: services);
        _ = api.Server; // the seeded sides exist before a test reads them
        return api;
    }

    private async Task<RunDto> FullRunAsync(MigrationApi api, bool? repair = null, bool drained = true)
    {
        var previous = (await api.StatusAsync()).Full?.Id;
        var body = repair is null ? null : JsonContent.Create(new { repair });
        var response = await api.CreateClient().PostAsync("/migrator/full/start", body, _ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var status = await api.WaitForStatusAsync(s => s.Full is { } f && f.Id != previous && f.Status is "completed" or "failed" && (!drained || MigrationApi.Drained(s)));
        Assert.Equal("completed", status.Full!.Status);
        return status.Full;
    }

    private async Task<InconsistencyPageDto> ListAsync(MigrationApi api, string query) =>
        (await api.CreateClient().GetFromJsonAsync<InconsistencyPageDto>($"/migrator/inconsistencies?{query}", _ct))!;

    /// <summary>Every page of the query, following <c>nextAfter</c>.</summary>
    private async Task<List<InconsistencyDto>> ListAllAsync(MigrationApi api, string query, int limit)
    {
        var all = new List<InconsistencyDto>();
        long? after = null;
        do
        {
            var page = await ListAsync(api, $"{query}&limit={limit}{(after is { } a ? $"&after={a}" : "")}");
            Assert.True(page.Items.Count <= limit);
            all.AddRange(page.Items);
            after = page.NextAfter;
        }
        while (after is not null);
        return all;
    }

    private static long Id(InconsistencyDto item) => item.Key.GetProperty("id").GetInt64();

    private static async Task<Dictionary<long, string>[]> SidesAsync(MigrationApi api) =>
        [await api.Databases.ReadAllAsync(Direction.Src), await api.Databases.ReadAllAsync(Direction.Dst)];

    [Fact]
    public async Task FullRun_EveryDifference_StoredWithBothValuesListedByFilterPageAndCsv_AndItsOutcomeRepaired()
    {
        await using var api = Api();
        var run = await FullRunAsync(api);

        // Paged newest first by id, five at a time, every difference once.
        var items = await ListAllAsync(api, $"run={run.Id}", limit: 5);
        Assert.Equal(Found, items.Count);
        Assert.Equal(items.Select(i => i.Id).OrderDescending(), items.Select(i => i.Id));
        Assert.Equal(DemoDriftIds("target_missing"), items.Where(i => i.Type == "target_missing").Select(Id).Order());
        Assert.Equal(DemoDriftIds("neq"), items.Where(i => i.Type == "neq").Select(Id).Order());
        Assert.Equal(DemoDriftIds("base_missing"), items.Where(i => i.Type == "base_missing").Select(Id).Order());
        Assert.All(items, i => Assert.Equal((run.Id, "users", "SRC"), (i.RunId!.Value, i.Table, i.BaseSide)));

        var neq = items.Single(i => Id(i) == 33);
        Assert.Equal("33", neq.KeyText);
        Assert.Equal(new ColumnValuesDto("email", "user33@example.com", "USER33@EXAMPLE.COM"), neq.Columns.Single(c => c.Name == "email"));
        Assert.Equal(["balance", "email"], neq.Columns.Select(c => c.Name).Order());
        var missing = items.Single(i => Id(i) == 17);
        Assert.Contains(new ColumnValuesDto("email", "user17@example.com", null), missing.Columns);

        // The repair reports each outcome by the event's id.
        await Eventually.HoldsAsync(async () => (await ListAsync(api, $"run={run.Id}&outcome=repaired")).Items.Count == Found, "every difference repaired");
        var detail = (await api.CreateClient().GetFromJsonAsync<RunRecordDto>($"/migrator/runs/{run.Id}", _ct))!;
        Assert.Equal((Found, 0L), (detail.Outcomes!.Repaired, detail.Outcomes.Pending));
        Assert.True(detail.Repair);
        Assert.Equal((10L, 4L, 2L), (detail.Inconsistencies.TargetMissing, detail.Inconsistencies.Neq, detail.Inconsistencies.BaseMissing));
        Assert.Equal("users", Assert.Single(detail.Tables).Table);

        // Filters: each must hold.
        Assert.Equal(4, (await ListAsync(api, $"run={run.Id}&type=neq")).Items.Count);
        Assert.Equal(2, (await ListAsync(api, $"type=base_missing&table=USERS&outcome=repaired")).Items.Count);
        Assert.Empty((await ListAsync(api, $"run={run.Id}&outcome=pending")).Items);
        Assert.Empty((await ListAsync(api, $"run={Guid.NewGuid()}")).Items);

        // CSV: the same page, a line per differing column, the next page's cursor in a header.
        var request = new HttpRequestMessage(HttpMethod.Get, $"/migrator/inconsistencies?run={run.Id}&type=neq&limit=3");
        request.Headers.Accept.ParseAdd("text/csv");
        var csv = await api.CreateClient().SendAsync(request, _ct);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync(_ct)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("id,runId,table,key,type,baseSide,detectedAt,outcome,outcomeAt,column,base,other", lines[0]);
        Assert.Equal(6, lines.Length - 1); // 3 neq rows × email and balance
        Assert.Contains(lines, l => l.Contains(",users,783,neq,SRC,", StringComparison.Ordinal) && l.EndsWith(",email,user783@example.com,USER783@EXAMPLE.COM", StringComparison.Ordinal));
        Assert.True(csv.Headers.TryGetValues("X-Next-After", out var next));
        Assert.Equal(Assert.Single(next), (await ListAsync(api, $"run={run.Id}&type=neq&limit=3")).NextAfter.ToString());

        // The history lists the run, newest first.
        var runs = (await api.CreateClient().GetFromJsonAsync<RunPageDto>("/migrator/runs", _ct))!;
        Assert.Equal(run.Id, runs.Items[0].Id);
        Assert.Equal(("full", "completed"), (runs.Items[0].Kind, runs.Items[0].Status));
    }

    [Fact]
    public async Task ReportOnlyRun_WritesToNeitherSide_ListsPendingDifferences_AndRepairOnRequestRepairsThem()
    {
        await using var api = Api();
        var before = await SidesAsync(api);

        var run = await FullRunAsync(api, repair: false);

        Assert.False(run.Repair);
        Assert.Equal(Found, run.Inconsistencies.TargetMissing + run.Inconsistencies.Neq + run.Inconsistencies.BaseMissing);
        var status = await api.StatusAsync();
        Assert.Equal((0L, 0L), (status.Outbox!.Pending, status.Outbox.Relayed));
        Assert.Equal(before, await SidesAsync(api));
        var items = await ListAllAsync(api, $"run={run.Id}", limit: 100);
        Assert.Equal(Found, items.Count);
        Assert.All(items, i => Assert.Equal(("pending", (DateTimeOffset?)null), (i.Outcome, i.OutcomeAt)));

        // Nothing repaired: a switch of base side is not proven by this run.
        Assert.Equal(HttpStatusCode.OK, (await api.CreateClient().PostAsync("/migrator/src_first", null, _ct)).StatusCode);
        await Eventually.HoldsAsync(async () => (await api.PatternAsync()).Converged, "every instance applies src_first");
        var proof = await FullRunAsync(api, repair: false);
        var cutover = (await api.CreateClient().GetFromJsonAsync<CutoverDto>("/migrator/cutover?to=dst_first", _ct))!;
        Assert.False(cutover.Ready);
        Assert.Contains(cutover.Reasons, r => r.Contains($"{proof.Id} was report-only", StringComparison.Ordinal));
        Assert.Equal(before, await SidesAsync(api));

        // Repair on request: what the first run found is repaired, outcome by outcome.
        var response = await api.CreateClient().PostAsJsonAsync("/migrator/inconsistencies/repair", new { run = run.Id }, _ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = (await response.Content.ReadFromJsonAsync<RepairInconsistenciesResultDto>(_ct))!;
        Assert.Equal((Found, (string?)null), (result.Requeued, result.Winner));
        await Eventually.HoldsAsync(async () => (await ListAsync(api, $"run={run.Id}&outcome=repaired")).Items.Count == Found, "every difference repaired");
        Assert.All(await ListAllAsync(api, $"run={run.Id}", limit: 100), i => Assert.InRange(i.OutcomeAt!.Value, run.StartedAt, DateTimeOffset.UtcNow));
        Assert.Equal(0, (await api.Databases.DiffAsync()).Total);
        // Repairing what was found finds nothing new: the cut-over's quiet window still counts from the last run's finds.
        var after = (await api.CreateClient().GetFromJsonAsync<CutoverDto>("/migrator/cutover?to=dst_first", _ct))!;
        Assert.InRange(after.LastDifferenceAt!.Value, run.StartedAt, proof.EndedAt!.Value);

        // Asked again, nothing is open any more.
        var again = await api.CreateClient().PostAsJsonAsync("/migrator/inconsistencies/repair", new { run = run.Id }, _ct);
        Assert.Equal(0, (await again.Content.ReadFromJsonAsync<RepairInconsistenciesResultDto>(_ct))!.Requeued);
    }

    [Fact]
    public async Task ReportOnlyRun_FixSqlAppliedToTheTarget_MakesANewRunFindNothing()
    {
        await using var api = Api();
        var run = await FullRunAsync(api, repair: false);

        var response = await api.CreateClient().GetAsync($"/migrator/runs/{run.Id}/fix.sql", _ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/sql", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"fix-{run.Id}.sql", response.Content.Headers.ContentDisposition?.FileName);
        var script = await response.Content.ReadAsStringAsync(_ct);
        Assert.Contains("Apply it to the target (DST) database", script, StringComparison.Ordinal);
        Assert.Contains("-- End of the fix SQL", script, StringComparison.Ordinal);
        Assert.Equal(14, script.Split('\n').Count(l => l.StartsWith("INSERT INTO `users`", StringComparison.Ordinal)));
        Assert.Equal(2, script.Split('\n').Count(l => l.StartsWith("DELETE FROM `users`", StringComparison.Ordinal)));

        await using (var target = new SqliteConnection(api.Databases.ConnectionString(Direction.Dst)))
        {
            await target.OpenAsync(_ct);
            await using var command = target.CreateCommand();
            command.CommandText = script;
            await command.ExecuteNonQueryAsync(_ct);
        }

        Assert.Equal(0, (await api.Databases.DiffAsync()).Total);
        var check = await FullRunAsync(api, repair: false);
        Assert.Equal(0, check.Inconsistencies.TargetMissing + check.Inconsistencies.Neq + check.Inconsistencies.BaseMissing);
    }

    [Fact]
    public async Task Outcomes_ConflictDecidedByAWinner_DeadLetter_AndGone()
    {
        // Newest wins: a target row newer than the source's is a conflict until an operator names the winner.
        await using var api = Api(new() { ["Migration:Repair:Policy"] = "NewestWins", ["Migration:Repair:MaxAttempts"] = "2" });
        await api.Databases.ExecuteAsync(Direction.Dst, "UPDATE users SET utime = utime + 1000 WHERE id = 33");
        await api.Databases.ExecuteAsync(Direction.Dst,
            "CREATE TRIGGER refuse_row BEFORE INSERT ON users WHEN NEW.id = 17 BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");

        var run = await FullRunAsync(api);

        var items = await ListAllAsync(api, $"run={run.Id}", limit: 100);
        Assert.Equal("conflict", items.Single(i => Id(i) == 33).Outcome);
        Assert.Equal("dead-letter", items.Single(i => Id(i) == 17).Outcome);
        Assert.Equal(Found - 2, items.Count(i => i.Outcome == "repaired"));
        Assert.Equal(1, (await api.StatusAsync()).OpenConflicts);

        // The operator decides: the source wins, whatever the policy prefers; the conflict closes once repaired.
        var decided = await api.CreateClient().PostAsJsonAsync(
            "/migrator/inconsistencies/repair", new { run = run.Id, outcome = "conflict", winner = "SRC" }, _ct);
        Assert.Equal(("SRC", 1L), await ResultAsync(decided));
        await Eventually.HoldsAsync(async () => (await ListAsync(api, $"run={run.Id}&outcome=repaired")).Items.Any(i => Id(i) == 33), "the decided row repaired");
        await api.WaitForStatusAsync(s => s.OpenConflicts == 0);
        Assert.Equal(
            (await api.Databases.ReadAllAsync(Direction.Src))[33], (await api.Databases.ReadAllAsync(Direction.Dst))[33]);

        // Made equal by hand before the repair looks again: gone. A key asked for that is not open is named.
        await api.Databases.ExecuteAsync(Direction.Dst, "DROP TRIGGER refuse_row");
        await CopyRowAsync(api, 17);
        var gone = await api.CreateClient().PostAsJsonAsync(
            "/migrator/inconsistencies/repair", new { table = "users", keys = new object[] { 17, 42 }, outcome = "conflict" }, _ct);
        Assert.Equal(HttpStatusCode.OK, gone.StatusCode);
        var goneResult = (await gone.Content.ReadFromJsonAsync<RepairInconsistenciesResultDto>(_ct))!;
        Assert.Equal(0L, goneResult.Requeued);
        Assert.Equal(["17", "42"], goneResult.KeysNotOpen.Order());
        var byKey = await api.CreateClient().PostAsJsonAsync("/migrator/inconsistencies/repair", new { table = "users", keys = new object[] { 17 } }, _ct);
        Assert.Equal(HttpStatusCode.OK, byKey.StatusCode);
        Assert.Equal(0L, (await byKey.Content.ReadFromJsonAsync<RepairInconsistenciesResultDto>(_ct))!.Requeued); // a dead letter is not open
        await api.CreateClient().PostAsync("/migrator/dead-letters/retry", null, _ct);
        await Eventually.HoldsAsync(async () => (await ListAsync(api, $"run={run.Id}&outcome=gone")).Items.Any(i => Id(i) == 17), "the row made equal by hand is gone");
    }

    private async Task<(string? Winner, long Requeued)> ResultAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = (await response.Content.ReadFromJsonAsync<RepairInconsistenciesResultDto>(_ct))!;
        return (result.Winner, result.Requeued);
    }

    private static async Task CopyRowAsync(MigrationApi api, long id)
    {
        var source = api.Databases.ConnectionString(Direction.Src).Replace("Data Source=", "", StringComparison.Ordinal);
        await api.Databases.ExecuteAsync(Direction.Dst,
            $"ATTACH DATABASE '{source}' AS src; INSERT INTO users SELECT * FROM src.users WHERE id = {id}; DETACH DATABASE src;");
    }

    [Fact]
    public async Task Outcomes_ControlDatabaseRefusingThemForAWhile_AreRecordedOnceItTakesThemAgain()
    {
        var logs = new LogCollector();
        await using var api = Api(
            new() { ["Migration:Repair:RetryBackoffMs"] = "50", ["Migration:Repair:MaxRetryBackoffMs"] = "200" },
            services: s => s.AddSingleton<ILoggerProvider>(logs));
        await using var control = new SqliteConnection(((SqliteTestDatabases)api.Databases).ControlConnectionString);
        await control.OpenAsync(_ct);
        await using (var block = control.CreateCommand())
        {
            // Every outcome update fails while outcome_block has a row, as a deadlocked or locked control database would.
            block.CommandText = """
                CREATE TABLE outcome_block (x INTEGER);
                INSERT INTO outcome_block VALUES (1);
                CREATE TRIGGER refuse_outcomes BEFORE UPDATE ON migration_differences WHEN EXISTS (SELECT 1 FROM outcome_block)
                BEGIN SELECT RAISE(ABORT, 'outcomes refused by the test'); END;
                """;
            await block.ExecuteNonQueryAsync(_ct);
        }

        var run = await FullRunAsync(api, drained: false);
        await Eventually.HoldsAsync(
            () => Task.FromResult(logs.Entries.Any(e => e.Message.StartsWith("Recording the outcome repaired of", StringComparison.Ordinal))),
            "a refused outcome being retried");
        Assert.NotEmpty((await ListAsync(api, $"run={run.Id}&outcome=pending")).Items);
        await using (var unblock = control.CreateCommand())
        {
            unblock.CommandText = "DELETE FROM outcome_block";
            await unblock.ExecuteNonQueryAsync(_ct);
        }

        await Eventually.HoldsAsync(async () => (await ListAsync(api, $"run={run.Id}&outcome=repaired")).Items.Count == Found, "every outcome recorded");
        Assert.DoesNotContain(logs.Entries, e => e.Message.StartsWith("Could not record the outcome", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Retention_KeepsTheLastRunsAndTheirDifferences()
    {
        await using var api = Api(new() { ["Migration:Report:KeepRuns"] = "2" });
        var first = await FullRunAsync(api, repair: false);
        var second = await FullRunAsync(api, repair: false);
        Assert.Equal(Found, (await ListAllAsync(api, $"run={first.Id}", 100)).Count);

        var third = await FullRunAsync(api, repair: false);
        // Pruned once the run has ended, just after it shows completed.
        await Eventually.HoldsAsync(
            async () => (await api.CreateClient().GetAsync($"/migrator/runs/{first.Id}", _ct)).StatusCode == HttpStatusCode.NotFound, "the oldest run pruned");

        var runs = (await api.CreateClient().GetFromJsonAsync<RunPageDto>("/migrator/runs?limit=1", _ct))!;
        Assert.Equal(third.Id, Assert.Single(runs.Items).Id);
        var older = (await api.CreateClient().GetFromJsonAsync<RunPageDto>($"/migrator/runs?before={runs.NextBefore}", _ct))!;
        Assert.Equal([second.Id], older.Items.Select(r => r.Id));
        Assert.Empty((await ListAsync(api, $"run={first.Id}")).Items);
        Assert.Equal(HttpStatusCode.NotFound, (await api.CreateClient().GetAsync($"/migrator/runs/{first.Id}", _ct)).StatusCode);
        Assert.Equal(2 * 4, (await ListAllAsync(api, "type=neq", 1000)).Count);
    }

    [Fact]
    public async Task Redaction_StoredValuesAreHashes_InTheListAndTheCsv_ButTheFixSqlHasTheRealValues()
    {
        await using var api = Api(new() { ["Migration:Report:RedactColumns:0"] = "users.email", ["Migration:Report:RedactColumns:1"] = "other.balance" });
        var run = await FullRunAsync(api, repair: false);

        var neq = (await ListAllAsync(api, $"run={run.Id}&type=neq", 100)).Single(i => Id(i) == 33);
        var email = neq.Columns.Single(c => c.Name == "email");
        Assert.Equal(Hash("user33@example.com"), email.Base);
        Assert.Equal(Hash("USER33@EXAMPLE.COM"), email.Other);
        Assert.DoesNotContain("example.com", neq.Columns.Single(c => c.Name == "balance").Base ?? "", StringComparison.Ordinal);
        Assert.Matches(@"^\d+\.\d+$", neq.Columns.Single(c => c.Name == "balance").Base); // another table's column is not redacted

        var request = new HttpRequestMessage(HttpMethod.Get, $"/migrator/inconsistencies?run={run.Id}");
        request.Headers.Accept.ParseAdd("text/csv");
        var csv = await (await api.CreateClient().SendAsync(request, _ct)).Content.ReadAsStringAsync(_ct);
        Assert.DoesNotContain("example.com", csv, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(Hash("user17@example.com"), csv, StringComparison.Ordinal);

        var script = await api.CreateClient().GetStringAsync($"/migrator/runs/{run.Id}/fix.sql", _ct);
        Assert.Contains("'user33@example.com'", script, StringComparison.Ordinal);
    }

    private static string Hash(string value) =>
        "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(value)))[..16];

    [Fact]
    public async Task Progress_FullRunLogsALinePerTableAndASummary_WithoutAnInterval_AndIncrementalCountsEachRowOnce()
    {
        var logs = new LogCollector();
        await using var api = Api(
            new()
            {
                ["Migration:Progress:IntervalSeconds"] = "1", ["Migration:Validation:CheckpointIntervalMs"] = "200", ["Migration:Validation:BatchSize"] = "50",
                ["Logging:LogLevel:Default"] = "Information",
            },
            services: s => s.AddSingleton<ILoggerProvider>(logs));
        var started = await api.CreateClient().PostAsJsonAsync("/migrator/full/start", new { maxRowsPerSecond = 400, repair = false }, _ct);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var run = (await api.WaitForStatusAsync(s => s.Full?.Status == "completed")).Full!;
        // The summary follows the last save, just after the run shows completed.
        await Eventually.HoldsAsync(() => Task.FromResult(logs.Entries.Any(e => e.Message.StartsWith($"Run {run.Id} (full) completed", StringComparison.Ordinal))), "the summary line");

        var lines = logs.Entries.Where(e => e.Category.EndsWith("ValidationScheduler", StringComparison.Ordinal)).Select(e => e.Message).ToList();
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join('\n', lines));
        Assert.Contains(lines, l => l.StartsWith($"Validation run {run.Id} (Full) started, base SRC, report only", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("interval", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l,
            $@"^users: [\d,]+ of about [\d,]+ rows \(\d+\.\d %\), [\d,]+ rows/s, (about [\d\w ]+ left|time left unknown); \d+ difference\(s\) so far \(run {run.Id}, full\)$"));
        Assert.Contains(lines, l => l.StartsWith($"Run {run.Id} (full) completed in ", StringComparison.Ordinal)
            && l.Contains(" rows checked (", StringComparison.Ordinal)
            && l.Contains("; 16 difference(s): 10 target_missing, 4 neq, 2 base_missing; ", StringComparison.Ordinal)
            && l.EndsWith("; 0 error(s); report only, nothing repaired", StringComparison.Ordinal));

        // Incremental: a row changed on both sides is one row checked, not two (998 source rows + the 2 only the target has).
        var incr = await api.CreateClient().PostAsJsonAsync("/migrator/incr/start", new { utime = 0, interval = 100, repair = false }, _ct);
        Assert.Equal(HttpStatusCode.Accepted, incr.StatusCode);
        var caughtUp = await api.WaitForStatusAsync(s => s.Incremental is { } i && i.Inconsistencies.TargetMissing + i.Inconsistencies.Neq + i.Inconsistencies.BaseMissing == Found
            && i.SuspectsPending == 0 && i.Tables.Single().TargetCursor.Key is not null);
        Assert.Equal(Rows, caughtUp.Incremental!.RowsChecked);
        Assert.Contains(logs.Entries, e => e.Message.Contains("(Incremental) started, base SRC, from utime 0, interval 100 ms, report only", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ApiRoleWithoutKafka_Starts_ReportOnlyRunsWork_AndEventsOfARepairingRunWaitInTheOutbox()
    {
        await using var api = Api(new() { ["Migration:Roles"] = "Api" });
        var before = await SidesAsync(api);

        var reportOnly = await FullRunAsync(api, repair: false);
        Assert.Equal(Found, (await ListAllAsync(api, $"run={reportOnly.Id}", 100)).Count);

        var repairing = await FullRunAsync(api, repair: true, drained: false);
        var status = await api.StatusAsync();
        Assert.Equal(Found, status.Outbox!.Pending);
        Assert.Equal(0, status.Repair.Pending);
        Assert.Equal(before, await SidesAsync(api));
        Assert.All(await ListAllAsync(api, $"run={repairing.Id}", 100), i => Assert.Equal("pending", i.Outcome));
    }

    [Fact]
    public async Task OlderControlDatabase_WithoutTheReportTables_GetsThemAtStart()
    {
        var databases = new SqliteTestDatabases();
        await using (var first = new MigrationApi(databases, Rows, ownsDatabases: false))
        {
            _ = first.Server;
        }

        await using (var control = new SqliteConnection($"{databases.ControlConnectionString};Pooling=False"))
        {
            await control.OpenAsync(_ct);
            await using var drop = control.CreateCommand();
            drop.CommandText = "DROP TABLE migration_differences; DROP TABLE migration_runs;";
            await drop.ExecuteNonQueryAsync(_ct);
        }

        await using var api = new MigrationApi(databases, Rows);
        var run = await FullRunAsync(api, repair: false);

        Assert.Equal(Found, (await ListAllAsync(api, $"run={run.Id}", 100)).Count);
        Assert.Equal(HttpStatusCode.OK, (await api.CreateClient().GetAsync($"/migrator/runs/{run.Id}", _ct)).StatusCode);
    }

    [Theory]
    [InlineData("run=abc", "run")]
    [InlineData("type=missing", "type")]
    [InlineData("outcome=done", "outcome")]
    [InlineData("after=0", "after")]
    [InlineData("limit=1001", "limit")]
    public async Task List_BadQueryValue_Returns400NamingIt(string query, string field)
    {
        await using var api = Api();

        var response = await api.CreateClient().GetAsync($"/migrator/inconsistencies?{query}", _ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(_ct));
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), problem.RootElement.ToString());
    }

    [Fact]
    public async Task RunsAndRepair_UnknownRunIs404_BadIdsAndBodies400_RepairNeedsTheOperatorRole()
    {
        await using var api = Api();
        var client = api.CreateClient();

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/migrator/runs/{Guid.NewGuid()}", _ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/migrator/runs/{Guid.NewGuid()}/fix.sql", _ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/migrator/runs/nope", _ct)).StatusCode);
        await AssertNamesAsync(await client.PostAsJsonAsync("/migrator/inconsistencies/repair", new { }, _ct), "run");
        await AssertNamesAsync(await client.PostAsJsonAsync("/migrator/inconsistencies/repair", new { keys = new[] { 1 } }, _ct), "table");
        await AssertNamesAsync(await client.PostAsJsonAsync("/migrator/inconsistencies/repair", new { table = "nope", keys = new[] { 1 } }, _ct), "table");
        await AssertNamesAsync(await client.PostAsJsonAsync("/migrator/inconsistencies/repair", new { table = "users", keys = new object[] { "x" } }, _ct), "keys");
        await AssertNamesAsync(await client.PostAsJsonAsync("/migrator/inconsistencies/repair", new { run = Guid.NewGuid(), winner = "src" }, _ct), "winner");
        await AssertNamesAsync(await client.PostAsJsonAsync("/migrator/full/start", new { resume = true, repair = false }, _ct), "repair");

        var viewer = api.CreateAnonymousClient();
        viewer.DefaultRequestHeaders.Add("X-Api-Key", MigrationApi.ViewerKey);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync("/migrator/inconsistencies/repair", new { run = Guid.NewGuid() }, _ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync($"/migrator/runs/{Guid.NewGuid()}/fix.sql", _ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/migrator/inconsistencies", _ct)).StatusCode);
    }

    private async Task AssertNamesAsync(HttpResponseMessage response, string field)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(_ct));
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), problem.RootElement.ToString());
    }

    private static IEnumerable<long> DemoDriftIds(string type) => Enumerable.Range(1, Rows).Select(i => (long)i).Where(id => type switch
    {
        "target_missing" => id % 100 == 17,
        "neq" => id % 250 == 33,
        _ => id % 500 == 250,
    });
}
