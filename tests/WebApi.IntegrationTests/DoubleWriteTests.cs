using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Migration.Application.Abstractions;
using Migration.Application.Common;
using Migration.Application.Conflicts.ListConflicts;
using Migration.Application.Users;
using Migration.Application.Users.TransferBalance;
using Migration.Domain;
using Migration.Domain.Inconsistencies;
using Migration.Domain.Patterns;
using Migration.Domain.Users;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>
/// The double-write pool through the users API, on real databases: where reads and writes land under each pattern,
/// ids, failures on either side, units of work, and a whole migration walked while clients keep writing.
/// The SQL here runs on SQLite and MariaDB alike; each provider runs the tests through its own subclass.
/// </summary>
public abstract class DoubleWriteTests
{
    /// <summary>Seeded rows 1..300 that are on both sides and equal (no planted drift).</summary>
    private const long Clean1 = 7, Clean2 = 8, Clean3 = 9;

    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    protected abstract Task<TestDatabases> CreateDatabasesAsync();

    private async Task<MigrationApi> StartAsync(string pattern, int seedRows = 300, bool strict = false)
    {
        var api = new MigrationApi(await CreateDatabasesAsync(), seedRows, new Dictionary<string, string?>
        {
            ["Migration:Pattern"] = pattern,
            ["Migration:PatternRefreshMs"] = "200",
            ["Migration:DoubleWrite:StrictSecondary"] = strict ? "true" : "false",
        });
        _ = api.Server;
        return api;
    }

    private static object Fields(string name, decimal balance = 10.5m) =>
        new { name, email = $"{name.Replace(' ', '.')}@example.com", age = 42, balance };

    private async Task<UserDto> CreateUserAsync(HttpClient client, string name)
    {
        var response = await client.PostAsJsonAsync("/api/users", Fields(name), _ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(_ct));
        return (await response.Content.ReadFromJsonAsync<UserDto>(_ct))!;
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return document.RootElement.Clone();
    }

    private async Task SwitchAsync(MigrationApi api, string pattern)
    {
        var response = await api.CreateClient().PostAsync($"/migrator/{pattern}", null, _ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(_ct));
    }

    /// <summary>The ids whose rows differ between the sides (missing on one, or any value different, utime included).</summary>
    private static async Task<List<long>> DifferingIdsAsync(TestDatabases db)
    {
        var source = await db.ReadAllAsync(Direction.Src);
        var target = await db.ReadAllAsync(Direction.Dst);
        return source.Keys.Union(target.Keys)
            .Where(id => !source.TryGetValue(id, out var s) || !target.TryGetValue(id, out var t) || s != t)
            .Order()
            .ToList();
    }

    [Theory]
    [InlineData("src_only")]
    [InlineData("src_first")]
    [InlineData("dst_first")]
    [InlineData("dst_only")]
    public async Task UsersApi_UnderEachPattern_ReadsFromThePrimaryAndWritesWhereThePatternSays(string wire)
    {
        Assert.True(WritePatternExtensions.TryParseWire(wire, out var pattern));
        var primary = pattern.Primary();
        var other = primary.Other();
        var doubleWrites = pattern.Secondary() is not null;
        await using var api = await StartAsync(wire);
        var db = api.Databases;
        var client = api.CreateClient();

        // Read: a value planted on the other side only is not what the API returns.
        await db.ExecuteAsync(other, $"UPDATE users SET name = 'planted on the other side' WHERE id = {Clean1}");
        var read = (await client.GetFromJsonAsync<UserDto>($"/api/users/{Clean1}", _ct))!;
        Assert.Equal($"User {Clean1}", read.Name);

        // Insert.
        var created = await CreateUserAsync(client, "Routed Insert");
        var (source, target) = (await db.ReadAllAsync(Direction.Src), await db.ReadAllAsync(Direction.Dst));
        var sides = new Dictionary<Direction, Dictionary<long, string>> { [Direction.Src] = source, [Direction.Dst] = target };
        Assert.Contains("name=Routed Insert", sides[primary][created.Id], StringComparison.Ordinal);
        Assert.Equal(doubleWrites, sides[other].ContainsKey(created.Id));
        if (doubleWrites)
        {
            Assert.Equal(sides[primary][created.Id], sides[other][created.Id]); // same id, same values, same utime
        }

        // Update.
        var updated = await client.PutAsJsonAsync($"/api/users/{Clean2}", Fields("Routed Update", 99.99m), _ct);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var after = new Dictionary<Direction, Dictionary<long, string>>
        {
            [Direction.Src] = await db.ReadAllAsync(Direction.Src),
            [Direction.Dst] = await db.ReadAllAsync(Direction.Dst),
        };
        Assert.Contains("name=Routed Update", after[primary][Clean2], StringComparison.Ordinal);
        Assert.Equal(doubleWrites ? after[primary][Clean2] : sides[other][Clean2], after[other][Clean2]);

        // Delete.
        var deleted = await client.DeleteAsync($"/api/users/{Clean3}", _ct);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.False((await db.ReadAllAsync(primary)).ContainsKey(Clean3));
        Assert.Equal(!doubleWrites, (await db.ReadAllAsync(other)).ContainsKey(Clean3));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/users/{Clean3}", _ct)).StatusCode);

        var counters = (await api.StatusAsync()).DoubleWrite!;
        Assert.Equal((3L, 0L, 0L), (counters.Commits, counters.PrimaryFailures, counters.SecondaryFailures));
    }

    [Theory]
    [InlineData("src_first")]
    [InlineData("dst_first")]
    public async Task Inserts_SecondaryAutoIncrementFarAhead_EveryRowHasThePrimarysIdOnBothSides(string wire)
    {
        Assert.True(WritePatternExtensions.TryParseWire(wire, out var pattern));
        await using var api = await StartAsync(wire);
        var db = api.Databases;
        // Left to itself, the secondary would number the next row 50,001; the primary numbers it 301.
        await db.ExecuteAsync(pattern.Secondary()!.Value,
            "INSERT INTO users (id, name, email, age, balance, ctime, utime) VALUES (50000, 'far ahead', 'far@example.com', 1, 0, 1, 1)");
        var client = api.CreateClient();

        var sequential = new List<UserDto>();
        for (var i = 0; i < 5; i++)
        {
            sequential.Add(await CreateUserAsync(client, $"Sequential {i}"));
        }

        var concurrent = await Task.WhenAll(Enumerable.Range(0, 15).Select(i => CreateUserAsync(client, $"Concurrent {i}")));

        var ids = sequential.Concat(concurrent).Select(u => u.Id).ToArray();
        Assert.Equal(ids.Length, ids.Distinct().Count());
        Assert.All(ids, id => Assert.InRange(id, 301, 49_999));
        Assert.Equal(Enumerable.Range(301, 5).Select(i => (long)i), sequential.Select(u => u.Id));
        var (source, target) = (await db.ReadAllAsync(Direction.Src), await db.ReadAllAsync(Direction.Dst));
        Assert.All(ids, id => Assert.Equal(source[id], target[id]));
    }

    [Fact]
    public async Task Insert_SecondaryHoldsAnotherRowUnderThatId_ItIsNeverOverwrittenButStoredAsAConflict()
    {
        await using var api = await StartAsync("src_first");
        var db = api.Databases;
        // A row on the target under the id the source assigns next, written there by something other than the pool
        // after the service started (its version is older than any insert now): not this insert's row.
        await db.ExecuteAsync(Direction.Dst,
            "INSERT INTO users (id, name, email, age, balance, ctime, utime) VALUES (301, 'other', 'other@example.com', 1, 0, 1, 1)");

        var user = await CreateUserAsync(api.CreateClient(), "Fresh Insert");

        Assert.Equal(301, user.Id);
        var target = await db.ReadAllAsync(Direction.Dst);
        Assert.Contains("name=other", target[301], StringComparison.Ordinal);
        Assert.Contains("name=Fresh Insert", (await db.ReadAllAsync(Direction.Src))[301], StringComparison.Ordinal);
        var status = await api.StatusAsync();
        Assert.Equal((1L, 0L, 1L), (status.DoubleWrite!.ForeignRows, status.DoubleWrite.SecondaryFailures, status.OpenConflicts));
        var conflict = Assert.Single((await api.CreateClient().GetFromJsonAsync<ConflictPageDto>("/migrator/conflicts", _ct))!.Items);
        Assert.Equal(("users", "301", "SRC", 1L), (conflict.Table, conflict.Key, conflict.BaseSide, conflict.OtherVersion));
    }

    [Fact]
    public async Task Insert_RepairCopiedTheRowFirst_TheCopyKeepsItAndNothingFails()
    {
        await using var api = await StartAsync("src_first");
        var db = api.Databases;
        // The repair got there first with a newer version of the same row (a later update already copied).
        await db.ExecuteAsync(Direction.Dst,
            "INSERT INTO users (id, name, email, age, balance, ctime, utime) VALUES (301, 'newer', 'newer@example.com', 1, 0, 1, 9000000000000)");

        var user = await CreateUserAsync(api.CreateClient(), "Fresh Insert");

        Assert.Equal(301, user.Id);
        Assert.Contains("name=newer", (await db.ReadAllAsync(Direction.Dst))[301], StringComparison.Ordinal);
        var status = await api.StatusAsync();
        Assert.Equal((0L, 1L, 0L), (status.DoubleWrite!.ForeignRows, status.DoubleWrite.SecondaryNewer, status.OpenConflicts));
        Assert.Empty(api.Publisher.Published);
    }

    public static TheoryData<string, bool> WritesAndModes() => new()
    {
        { "insert", false }, { "insert", true },
        { "update", false }, { "update", true },
        { "delete", false }, { "delete", true },
    };

    [Theory]
    [MemberData(nameof(WritesAndModes))]
    public async Task Write_SecondaryTableGone_CallerOutcomeFollowsTheOption_RowIsReportedAtOnceAndRepairedAfterwards(string write, bool strict)
    {
        await using var api = await StartAsync("src_first", strict: strict);
        var db = api.Databases;
        var client = api.CreateClient();
        await db.ExecuteAsync(Direction.Dst, "ALTER TABLE users RENAME TO users_away");

        var response = write switch
        {
            "insert" => await client.PostAsJsonAsync("/api/users", Fields("Lost Copy"), _ct),
            "update" => await client.PutAsJsonAsync($"/api/users/{Clean2}", Fields("Lost Copy"), _ct),
            _ => await client.DeleteAsync($"/api/users/{Clean3}", _ct),
        };

        long id;
        if (strict)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            var problem = await ProblemAsync(response);
            Assert.Equal(("DST", true), (problem.GetProperty("side").GetString(), problem.GetProperty("primaryCommitted").GetBoolean()));
            var row = Assert.Single(problem.GetProperty("rows").EnumerateArray()).GetString()!;
            id = long.Parse(row["users:".Length..], CultureInfo.InvariantCulture);
        }
        else
        {
            Assert.Equal(write switch { "insert" => HttpStatusCode.Created, "update" => HttpStatusCode.OK, _ => HttpStatusCode.NoContent }, response.StatusCode);
            id = write == "insert" ? (await response.Content.ReadFromJsonAsync<UserDto>(_ct))!.Id : write == "update" ? Clean2 : Clean3;
        }

        // The primary has the write either way.
        var source = await db.ReadAllAsync(Direction.Src);
        Assert.Equal(write != "delete", source.ContainsKey(id));
        if (write != "delete")
        {
            Assert.Contains("name=Lost Copy", source[id], StringComparison.Ordinal);
        }

        // Reported at once (not by validation: none ran), with the primary as the base, and counted.
        var expectedType = write switch { "insert" => InconsistencyType.TargetMissing, "update" => InconsistencyType.Neq, _ => InconsistencyType.BaseMissing };
        var reported = Assert.Single(api.Publisher.Published);
        Assert.Equal(("users", id, Direction.Src, expectedType), (reported.Table, reported.Id, reported.Direction, reported.Type));
        var status = await api.StatusAsync();
        Assert.Null(status.Full);
        Assert.Null(status.Incremental);
        Assert.Equal((1L, 1L, 0L), (status.DoubleWrite!.SecondaryFailures, status.DoubleWrite.RowsReported, status.DoubleWrite.ReportFailures));
        Assert.Contains($"users:{id}", status.DoubleWrite.LastSecondaryError, StringComparison.Ordinal);

        // Once the table is back, the repair makes the target equal to the source.
        await db.ExecuteAsync(Direction.Dst, "ALTER TABLE users_away RENAME TO users");
        await Eventually.HoldsAsync(async () => MigrationApi.Drained(await api.StatusAsync()) && !(await DifferingIdsAsync(db)).Contains(id),
            $"row {id} repaired on the target");
        Assert.Equal(write != "delete", (await db.ReadAllAsync(Direction.Dst)).ContainsKey(id));

        // The instance's heartbeat carries the failure to every instance's view.
        await Eventually.HoldsAsync(async () => (await api.StatusAsync()).Instances!.Single(i => i.Self).SecondaryFailures == 1,
            "the heartbeat shows the failure");
    }

    [Fact]
    public async Task Write_PrimaryTableGone_Returns503AndNothingReachesTheSecondary()
    {
        await using var api = await StartAsync("src_first");
        var db = api.Databases;
        var client = api.CreateClient();
        var targetBefore = await db.ReadAllAsync(Direction.Dst);
        await db.ExecuteAsync(Direction.Src, "ALTER TABLE users RENAME TO users_away");

        var insert = await client.PostAsJsonAsync("/api/users", Fields("Never Written"), _ct);
        var delete = await client.DeleteAsync($"/api/users/{Clean3}", _ct);
        var read = await client.GetAsync($"/api/users/{Clean1}", _ct);

        foreach (var response in new[] { insert, delete })
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            var problem = await ProblemAsync(response);
            Assert.Equal(("SRC", false), (problem.GetProperty("side").GetString(), problem.GetProperty("primaryCommitted").GetBoolean()));
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, read.StatusCode);
        await ProblemAsync(read);
        await db.ExecuteAsync(Direction.Src, "ALTER TABLE users_away RENAME TO users");
        Assert.Equal(targetBefore, await db.ReadAllAsync(Direction.Dst));
        Assert.Empty(api.Publisher.Published);
        var counters = (await api.StatusAsync()).DoubleWrite!;
        Assert.Equal((0L, 2L, 0L), (counters.Commits, counters.PrimaryFailures, counters.SecondaryFailures));
    }

    [Fact]
    public async Task Transfer_UnitOfWorkOfTwoRows_ChangesBothOnBothSides()
    {
        await using var api = await StartAsync("dst_first");
        var client = api.CreateClient();
        var from = await CreateUserAsync(client, "Payer");
        var to = await CreateUserAsync(client, "Payee");

        var response = await client.PostAsJsonAsync("/api/users/transfers", new { from = from.Id, to = to.Id, amount = 4.25m }, _ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = (await response.Content.ReadFromJsonAsync<TransferResultDto>(_ct))!;
        Assert.Equal((6.25m, 14.75m), (result.From.Balance, result.To.Balance));
        var (source, target) = (await api.Databases.ReadAllAsync(Direction.Src), await api.Databases.ReadAllAsync(Direction.Dst));
        Assert.Equal(target[from.Id], source[from.Id]);
        Assert.Equal(target[to.Id], source[to.Id]);
        Assert.Contains("balance=6.25", target[from.Id], StringComparison.Ordinal);

        var tooMuch = await client.PostAsJsonAsync("/api/users/transfers", new { from = from.Id, to = to.Id, amount = 1000m }, _ct);
        Assert.Equal(HttpStatusCode.Conflict, tooMuch.StatusCode);
        Assert.Equal(6.25m, (await ProblemAsync(tooMuch)).GetProperty("balance").GetDecimal());
        Assert.Equal(target, await api.Databases.ReadAllAsync(Direction.Dst));
    }

    [Fact]
    public async Task Transfer_SecondaryFails_EveryRowOfTheUnitIsReportedAndRepaired()
    {
        await using var api = await StartAsync("src_first");
        var db = api.Databases;
        var client = api.CreateClient();
        await db.ExecuteAsync(Direction.Dst, "ALTER TABLE users RENAME TO users_away");

        var response = await client.PostAsJsonAsync("/api/users/transfers", new { from = Clean1, to = Clean2, amount = 0.5m }, _ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([Clean1, Clean2], api.Publisher.Published.Select(e => e.Id).Order());
        Assert.All(api.Publisher.Published, e => Assert.Equal((Direction.Src, InconsistencyType.Neq), (e.Direction, e.Type)));
        Assert.Equal(1L, (await api.StatusAsync()).DoubleWrite!.SecondaryFailures);
        await db.ExecuteAsync(Direction.Dst, "ALTER TABLE users_away RENAME TO users");
        await Eventually.HoldsAsync(async () => MigrationApi.Drained(await api.StatusAsync()) && (await DifferingIdsAsync(db)).Intersect([Clean1, Clean2]).Count() == 0,
            "both rows repaired");
    }

    [Fact]
    public async Task Update_RowChangedSinceItWasRead_IsRefusedAndTheNewerWriteStays()
    {
        await using var api = await StartAsync("src_first");
        var users = api.Services.GetRequiredService<IMigratedRepository<User>>();
        var stale = (await users.GetAsync([Clean2], _ct))!;
        var fresh = (await users.GetAsync([Clean2], _ct))!;

        fresh.Name = "First writer";
        await users.UpdateAsync(fresh, _ct);
        stale.Name = "Second writer, stale";
        var refused = await Assert.ThrowsAsync<ConflictException>(() => users.UpdateAsync(stale, _ct));

        Assert.Equal($"users:{Clean2}", refused.Details["row"]);
        Assert.True(fresh.Utime > stale.Utime);
        var (source, target) = (await api.Databases.ReadAllAsync(Direction.Src), await api.Databases.ReadAllAsync(Direction.Dst));
        Assert.Contains("name=First writer", source[Clean2], StringComparison.Ordinal);
        Assert.Equal(source[Clean2], target[Clean2]);
    }

    [Fact]
    public async Task UnitOfWork_SameRowTwice_IsRefusedBeforeAnythingIsWritten()
    {
        await using var api = await StartAsync("src_first");
        var work = api.Services.GetRequiredService<IMigratedUnitOfWorkFactory>().Begin();
        var user = (await api.Services.GetRequiredService<IMigratedRepository<User>>().GetAsync([Clean1], _ct))!;

        work.Update(user);

        Assert.Throws<InvalidOperationException>(() => work.Delete<User>([Clean1]));
    }

    [Fact]
    public async Task ConcurrentWriters_WhileThePatternWalksAllFourSteps_SidesAreIdenticalAfterAFullValidation()
    {
        await using var api = await StartAsync("src_only", seedRows: 2_000);
        var db = api.Databases;
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 4).Select(i => new Writer(api.CreateClient(), i, 4, 2_000)).ToArray();
        var running = writers.Select(w => w.RunAsync(stop.Token)).ToArray();

        // Every writer finishing some writes after a switch also means its write in flight during the switch is done.
        async Task EveryWriterWritesAsync(string phase)
        {
            var marks = writers.Select(w => w.Completed).ToArray();
            await Eventually.HoldsAsync(() => Task.FromResult(writers.Select((w, i) => w.Completed >= marks[i] + 5).All(done => done)),
                $"every writer completes 5 writes under {phase}", seconds: 60);
        }

        async Task ValidateFullyAsync()
        {
            var run = (await (await api.CreateClient().PostAsync("/migrator/full/start", null, _ct)).Content.ReadFromJsonAsync<Application.Validation.RunDto>(_ct))!;
            await api.WaitForStatusAsync(s => s.Full?.Id == run.Id && s.Full.Status == "completed" && MigrationApi.Drained(s), seconds: 60);
        }

        await EveryWriterWritesAsync("src_only");
        await SwitchAsync(api, "src_first");
        await EveryWriterWritesAsync("src_first");
        // While both sides are written, validate with the source as the truth: rows written under src_only reach the target.
        await ValidateFullyAsync();
        await EveryWriterWritesAsync("src_first, validated");
        await SwitchAsync(api, "dst_first");
        await EveryWriterWritesAsync("dst_first");
        await SwitchAsync(api, "dst_only");
        await EveryWriterWritesAsync("dst_only");
        await stop.CancelAsync();
        await Task.WhenAll(running);

        // The source missed the dst_only writes: a full validation with the target as the truth repairs it.
        await ValidateFullyAsync();

        Assert.All(writers, w => Assert.Empty(w.Failures));
        Assert.Empty(await DifferingIdsAsync(db));
        var status = await api.StatusAsync();
        Assert.Equal("dst_only", status.Pattern);
        Assert.True(status.DoubleWrite is { SecondaryFailures: 0, PrimaryFailures: 0 }, JsonSerializer.Serialize(status.DoubleWrite));
        Assert.True(writers.Sum(w => w.Created) > 0 && writers.Sum(w => w.Updated) > 0 && writers.Sum(w => w.Deleted) > 0);
    }

    /// <summary>
    /// A client of the users API: creates users, updates its own and some seeded ones, deletes its own. Writers never
    /// share a row. A 404 or 409 (a row read under one pattern and written under the next) is a normal answer to a
    /// client; anything else is recorded as a failure.
    /// </summary>
    private sealed class Writer(HttpClient client, int index, int writers, int seededRows)
    {
        private readonly List<long> _owned = Enumerable.Range(1, seededRows).Where(id => id % writers == index).Select(id => (long)id).ToList();
        private int _completed;

        public ConcurrentQueue<string> Failures { get; } = new();

        public int Completed => Volatile.Read(ref _completed);

        public int Created { get; private set; }

        public int Updated { get; private set; }

        public int Deleted { get; private set; }

        public async Task RunAsync(CancellationToken stop)
        {
            var random = new Random(index);
            var ct = TestContext.Current.CancellationToken; // a request once sent is never cut short by the stop
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var roll = random.Next(10);
                if (roll < 4 || _owned.Count == 0)
                {
                    var response = await client.PostAsJsonAsync("/api/users", Fields($"w{index} n{n}", random.Next(0, 100_000) / 100m), ct);
                    if (Check(response, HttpStatusCode.Created))
                    {
                        _owned.Add((await response.Content.ReadFromJsonAsync<UserDto>(ct))!.Id);
                        Created++;
                    }
                }
                else if (roll < 8)
                {
                    var id = _owned[random.Next(_owned.Count)];
                    var response = await client.PutAsJsonAsync($"/api/users/{id}", Fields($"w{index} n{n}", random.Next(0, 100_000) / 100m), ct);
                    Updated += Check(response, HttpStatusCode.OK) ? 1 : 0;
                }
                else
                {
                    var at = random.Next(_owned.Count);
                    var response = await client.DeleteAsync($"/api/users/{_owned[at]}", ct);
                    if (Check(response, HttpStatusCode.NoContent) || response.StatusCode == HttpStatusCode.NotFound)
                    {
                        _owned.RemoveAt(at);
                        Deleted += response.StatusCode == HttpStatusCode.NoContent ? 1 : 0;
                    }
                }

                Interlocked.Increment(ref _completed);
            }
        }

        private bool Check(HttpResponseMessage response, HttpStatusCode expected)
        {
            if (response.StatusCode != expected && response.StatusCode is not (HttpStatusCode.NotFound or HttpStatusCode.Conflict))
            {
                Failures.Enqueue($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: {(int)response.StatusCode} {response.Content.ReadAsStringAsync().GetAwaiter().GetResult()}");
            }

            return response.StatusCode == expected;
        }
    }
}

public sealed class SqliteDoubleWriteTests : DoubleWriteTests
{
    protected override Task<TestDatabases> CreateDatabasesAsync() => Task.FromResult<TestDatabases>(new SqliteTestDatabases());
}

public sealed class MariaDbDoubleWriteTests(MariaDbFixture mariaDb) : DoubleWriteTests
{
    protected override async Task<TestDatabases> CreateDatabasesAsync() =>
        await MariaDbTestDatabases.CreateAsync(await mariaDb.GetServerAsync());
}
