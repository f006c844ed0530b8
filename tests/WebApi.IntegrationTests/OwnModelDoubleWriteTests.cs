using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Migration.Application.Abstractions;
using Migration.Application.Common;
using Migration.Application.Conflicts.ListConflicts;
using Migration.Application.OrderLines;
using Migration.Application.Users;
using Migration.Domain;
using Migration.Domain.Inconsistencies;
using Migration.Domain.Orders;
using Migration.Domain.Patterns;
using Migration.Domain.Users;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>
/// The pool serving the application's own EF Core model: <c>users</c> (a generated BIGINT key) and <c>order_lines</c>
/// (a composite key the application assigns) written through the same pool — under each pattern, in one unit of work,
/// when the copy fails or meets another row, and while the pattern walks there and back with clients writing both.
/// Both tables are configured for validation, so the repair and the cut-over gate cover both.
/// </summary>
public abstract class OwnModelDoubleWriteTests
{
    private const string Lines = "order_lines";
    private static readonly string[] _lineKey = ["order_id", "line_no"];
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    protected abstract Task<TestDatabases> CreateDatabasesAsync();

    private async Task<MigrationApi> StartAsync(string pattern, bool strict = false)
    {
        var api = new MigrationApi(await CreateDatabasesAsync(), seedRows: 300, new Dictionary<string, string?>
        {
            ["Migration:Pattern"] = pattern,
            ["Migration:PatternRefreshMs"] = "200",
            ["Migration:DoubleWrite:StrictSecondary"] = strict ? "true" : "false",
            ["Migration:Tables:0:Name"] = "users",
            ["Migration:Tables:0:VersionColumn"] = "utime",
            ["Migration:Tables:1:Name"] = Lines,
            ["Migration:Tables:1:VersionColumn"] = "utime",
        });
        _ = api.Server;
        return api;
    }

    private static object LineFields(string sku, int qty = 3, decimal price = 12.5m) => new { sku, qty, price };

    private static object UserFields(string name) => new { name, email = $"{name.Replace(' ', '.')}@example.com", age = 42, balance = 10.5m };

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return document.RootElement.Clone();
    }

    private static Task<Dictionary<string, string>> LinesOnAsync(TestDatabases db, Direction side) => db.ReadAllByKeyAsync(side, Lines, _lineKey);

    private async Task SwitchAsync(MigrationApi api, string pattern)
    {
        var response = await api.CreateClient().PostAsync($"/migrator/{pattern}", null, _ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(_ct));
    }

    [Theory]
    [InlineData("src_only")]
    [InlineData("src_first")]
    [InlineData("dst_first")]
    [InlineData("dst_only")]
    public async Task BothEntities_UnderEachPattern_LandWhereThePatternSaysWithTheSameKeyAndValues(string wire)
    {
        Assert.True(WritePatternExtensions.TryParseWire(wire, out var pattern));
        var primary = pattern.Primary();
        var other = primary.Other();
        var doubleWrites = pattern.Secondary() is not null;
        await using var api = await StartAsync(wire);
        var db = api.Databases;
        var client = api.CreateClient();

        // Read: a line planted on the other side only is not there for the API.
        await db.ExecuteAsync(other, "INSERT INTO order_lines (order_id, line_no, sku, qty, price, utime) VALUES (6, 1, 'planted', 1, 1, 1)");
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/orders/6/lines/1", _ct)).StatusCode);

        // Create two lines, replace one; create a user.
        var created = await client.PutAsJsonAsync("/api/orders/42/lines/1", LineFields("SKU-1"), _ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.EndsWith("/api/orders/42/lines/1", created.Headers.Location!.ToString(), StringComparison.Ordinal);
        var first = (await created.Content.ReadFromJsonAsync<OrderLineDto>(_ct))!;
        Assert.Equal(HttpStatusCode.Created, (await client.PutAsJsonAsync("/api/orders/42/lines/2", LineFields("SKU-2"), _ct)).StatusCode);
        var replaced = await client.PutAsJsonAsync("/api/orders/42/lines/1", LineFields("SKU-1b", 7, 99.99m), _ct);
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        var line = (await replaced.Content.ReadFromJsonAsync<OrderLineDto>(_ct))!;
        Assert.Equal((42L, 1, "SKU-1b", 7, 99.99m), (line.OrderId, line.LineNo, line.Sku, line.Qty, line.Price));
        Assert.True(line.Utime > first.Utime);
        var userResponse = await client.PostAsJsonAsync("/api/users", UserFields("Own Model"), _ct);
        Assert.Equal(HttpStatusCode.Created, userResponse.StatusCode);
        var user = (await userResponse.Content.ReadFromJsonAsync<UserDto>(_ct))!;

        var lines = new Dictionary<Direction, Dictionary<string, string>>
        {
            [Direction.Src] = await LinesOnAsync(db, Direction.Src),
            [Direction.Dst] = await LinesOnAsync(db, Direction.Dst),
        };
        Assert.Equal(
            $"line_no=1|order_id=42|price=99.99|qty=7|sku=SKU-1b|utime={line.Utime.ToString(CultureInfo.InvariantCulture)}",
            lines[primary]["42|1"]);
        Assert.Contains("sku=SKU-2|", lines[primary]["42|2"], StringComparison.Ordinal);
        var users = new Dictionary<Direction, Dictionary<long, string>>
        {
            [Direction.Src] = await db.ReadAllAsync(Direction.Src),
            [Direction.Dst] = await db.ReadAllAsync(Direction.Dst),
        };
        Assert.Contains("name=Own Model", users[primary][user.Id], StringComparison.Ordinal);
        if (doubleWrites)
        {
            // Same key, same values, same utime.
            Assert.Equal(lines[primary]["42|1"], lines[other]["42|1"]);
            Assert.Equal(lines[primary]["42|2"], lines[other]["42|2"]);
            Assert.Equal(users[primary][user.Id], users[other][user.Id]);
        }
        else
        {
            Assert.DoesNotContain(lines[other].Keys, k => k.StartsWith("42|", StringComparison.Ordinal));
            Assert.False(users[other].ContainsKey(user.Id));
        }

        // A page at a time, by line number, from the primary.
        var page = (await client.GetFromJsonAsync<OrderLinePageDto>("/api/orders/42/lines?limit=1", _ct))!;
        Assert.Equal((1, 1), (Assert.Single(page.Items).LineNo, page.NextAfterLineNo));
        page = (await client.GetFromJsonAsync<OrderLinePageDto>("/api/orders/42/lines?afterLineNo=1&limit=1", _ct))!;
        Assert.Equal((2, 2), (Assert.Single(page.Items).LineNo, page.NextAfterLineNo));
        page = (await client.GetFromJsonAsync<OrderLinePageDto>("/api/orders/42/lines?afterLineNo=2", _ct))!;
        Assert.Equal((0, (int?)null), (page.Items.Count, page.NextAfterLineNo));

        // Delete.
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/api/orders/42/lines/2", _ct)).StatusCode);
        Assert.False((await LinesOnAsync(db, primary)).ContainsKey("42|2"));
        Assert.False((await LinesOnAsync(db, other)).ContainsKey("42|2"));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/orders/42/lines/2", _ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync("/api/orders/42/lines/2", _ct)).StatusCode);

        var counters = (await api.StatusAsync()).DoubleWrite!;
        Assert.Equal((6L, 0L, 0L), (counters.Commits, counters.PrimaryFailures, counters.SecondaryFailures));
        Assert.Empty(api.Publisher.Published);
    }

    [Fact]
    public async Task UnitOfWork_AUserAndOrderLines_CommitTogetherOnBothSidesOrNotAtAll()
    {
        await using var api = await StartAsync("dst_first");
        var db = api.Databases;
        var users = api.Services.GetRequiredService<IMigratedRepository<User>>();
        var lines = api.Services.GetRequiredService<IMigratedRepository<OrderLine>>();
        var work = api.Services.GetRequiredService<IMigratedUnitOfWorkFactory>();

        var payer = (await users.GetAsync([7L], _ct))!;
        payer.Balance -= 2m;
        var result = await work.Begin()
            .Update(payer)
            .Insert(new OrderLine { OrderId = 100, LineNo = 1, Sku = "A", Qty = 1, Price = 1.5m })
            .Insert(new OrderLine { OrderId = 100, LineNo = 2, Sku = "B", Qty = 2, Price = 0.5m })
            .CommitAsync(_ct);

        Assert.Equal((Direction.Dst, (Direction?)Direction.Src, false), (result.Primary, result.Secondary, result.SecondaryFailed));
        Assert.Equal((await LinesOnAsync(db, Direction.Dst))["100|1"], (await LinesOnAsync(db, Direction.Src))["100|1"]);
        Assert.Equal((await LinesOnAsync(db, Direction.Dst))["100|2"], (await LinesOnAsync(db, Direction.Src))["100|2"]);
        Assert.Equal((await db.ReadAllAsync(Direction.Dst))[7], (await db.ReadAllAsync(Direction.Src))[7]);

        // Update one line, delete the other, change the user: again both sides alike. Keys of other numeric types are
        // converted to the key properties' types.
        var line = (await lines.GetAsync([100, (short)1], _ct))!;
        line.Qty = 9;
        payer = (await users.GetAsync([7], _ct))!;
        payer.Balance += 1m;
        await work.Begin().Update(line).Delete<OrderLine>([100L, 2]).Update(payer).CommitAsync(_ct);
        var (source, target) = (await LinesOnAsync(db, Direction.Src), await LinesOnAsync(db, Direction.Dst));
        Assert.Contains("qty=9|", target["100|1"], StringComparison.Ordinal);
        Assert.Equal(target["100|1"], source["100|1"]);
        Assert.False(source.ContainsKey("100|2") || target.ContainsKey("100|2"));
        var usersBefore = (await db.ReadAllAsync(Direction.Dst))[7];
        Assert.Equal(usersBefore, (await db.ReadAllAsync(Direction.Src))[7]);

        // A line whose key is taken fails the whole unit with a conflict: the user's change is not written either.
        payer = (await users.GetAsync([7L], _ct))!;
        payer.Balance += 100m;
        var refused = await Assert.ThrowsAsync<ConflictException>(() => work.Begin()
            .Update(payer)
            .Insert(new OrderLine { OrderId = 100, LineNo = 1, Sku = "dup", Qty = 1, Price = 1m })
            .CommitAsync(_ct));
        Assert.Equal(["order_lines:{\"order_id\":100,\"line_no\":1}"], (string[])refused.Details["rows"]!);
        Assert.Equal(usersBefore, (await db.ReadAllAsync(Direction.Dst))[7]);
        Assert.Equal(usersBefore, (await db.ReadAllAsync(Direction.Src))[7]);
        Assert.Equal(target["100|1"], (await LinesOnAsync(db, Direction.Dst))["100|1"]);

        // One row twice in a unit, by its composite key, is refused before anything is written.
        var twice = work.Begin().Update(line);
        Assert.Throws<InvalidOperationException>(() => twice.Delete<OrderLine>([100L, 1]));
        Assert.Throws<ArgumentException>(() => work.Begin().Delete<OrderLine>([100L]));
    }

    [Fact]
    public async Task Update_LineChangedSinceItWasRead_IsRefusedWithItsWholeKey()
    {
        await using var api = await StartAsync("src_first");
        var lines = api.Services.GetRequiredService<IMigratedRepository<OrderLine>>();
        await lines.InsertAsync(new OrderLine { OrderId = 5, LineNo = 3, Sku = "X", Qty = 1, Price = 1m }, _ct);
        var stale = (await lines.GetAsync([5L, 3], _ct))!;
        var fresh = (await lines.GetAsync([5L, 3], _ct))!;

        fresh.Sku = "first writer";
        await lines.UpdateAsync(fresh, _ct);
        stale.Sku = "second writer, stale";
        var refused = await Assert.ThrowsAsync<ConflictException>(() => lines.UpdateAsync(stale, _ct));

        Assert.Equal("order_lines:{\"order_id\":5,\"line_no\":3}", refused.Details["row"]);
        var (source, target) = (await LinesOnAsync(api.Databases, Direction.Src), await LinesOnAsync(api.Databases, Direction.Dst));
        Assert.Contains("sku=first writer|", source["5|3"], StringComparison.Ordinal);
        Assert.Equal(source["5|3"], target["5|3"]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Put_SecondaryTableGone_TheEventCarriesTheWholeKeyAndTheRepairCopiesTheLine(bool strict)
    {
        await using var api = await StartAsync("src_first", strict);
        var db = api.Databases;
        await db.ExecuteAsync(Direction.Dst, "ALTER TABLE order_lines RENAME TO order_lines_away");

        var response = await api.CreateClient().PutAsJsonAsync("/api/orders/9/lines/3", LineFields("Lost Copy"), _ct);

        const string key = "{\"order_id\":9,\"line_no\":3}";
        if (strict)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            var problem = await ProblemAsync(response);
            Assert.Equal(("DST", true), (problem.GetProperty("side").GetString(), problem.GetProperty("primaryCommitted").GetBoolean()));
            Assert.Equal($"order_lines:{key}", Assert.Single(problem.GetProperty("rows").EnumerateArray()).GetString());
        }
        else
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        Assert.Contains("sku=Lost Copy|", (await LinesOnAsync(db, Direction.Src))["9|3"], StringComparison.Ordinal);
        var reported = Assert.Single(api.Publisher.Published);
        Assert.Equal((Lines, key, Direction.Src, InconsistencyType.TargetMissing), (reported.Table, reported.Key.ToText(), reported.Direction, reported.Type));
        Assert.Equal(["order_id", "line_no"], reported.Key.Columns);
        Assert.Null(reported.Key.AsInt64);
        Assert.Contains($"order_lines:{key}", (await api.StatusAsync()).DoubleWrite!.LastSecondaryError, StringComparison.Ordinal);

        // Once the table is back, the repair (looking the table up by name, the row by its whole key) copies the line.
        await db.ExecuteAsync(Direction.Dst, "ALTER TABLE order_lines_away RENAME TO order_lines");
        await Eventually.HoldsAsync(async () => MigrationApi.Drained(await api.StatusAsync()) && await db.CountDifferencesAsync(Lines, _lineKey) == 0,
            "the line repaired on the target");
        var status = await api.StatusAsync();
        Assert.Equal((0L, (long?)0L), (status.DeadLetters!.Open, status.OpenConflicts));
    }

    [Fact]
    public async Task Put_SecondaryHoldsAnotherLineUnderThatKey_ItIsNeverOverwrittenButStoredAsAConflict()
    {
        await using var api = await StartAsync("src_first");
        var db = api.Databases;
        // Written on the target by something other than the pool, with an older version: not this insert's row.
        await db.ExecuteAsync(Direction.Dst, "INSERT INTO order_lines (order_id, line_no, sku, qty, price, utime) VALUES (9, 1, 'other', 1, 1, 1)");

        var response = await api.CreateClient().PutAsJsonAsync("/api/orders/9/lines/1", LineFields("Fresh"), _ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Contains("sku=other|", (await LinesOnAsync(db, Direction.Dst))["9|1"], StringComparison.Ordinal);
        Assert.Contains("sku=Fresh|", (await LinesOnAsync(db, Direction.Src))["9|1"], StringComparison.Ordinal);
        var status = await api.StatusAsync();
        Assert.Equal((1L, 0L, (long?)1L), (status.DoubleWrite!.ForeignRows, status.DoubleWrite.SecondaryFailures, status.OpenConflicts));
        var conflict = Assert.Single((await api.CreateClient().GetFromJsonAsync<ConflictPageDto>("/migrator/conflicts", _ct))!.Items);
        Assert.Equal((Lines, "{\"order_id\":9,\"line_no\":1}", "SRC", 1L), (conflict.Table, conflict.Key, conflict.BaseSide, conflict.OtherVersion));
    }

    [Fact]
    public async Task FullRun_OverBothTables_SavesItsCheckpointSoTheCutoverGateOpens()
    {
        await using var api = await StartAsync("src_first");
        await api.CreateClient().PutAsJsonAsync("/api/orders/3/lines/1", LineFields("Both"), _ct);

        await api.ProveCutoverAsync();

        // Each table's row of the run's checkpoint is new at the first save: they must not collide.
        var status = await api.StatusAsync();
        Assert.True(status.Full is { Errors: 0, Tables.Count: 2 }, JsonSerializer.Serialize(status.Full));
        using var cutover = JsonDocument.Parse(await api.CreateClient().GetStringAsync("/migrator/cutover?to=dst_first", _ct));
        Assert.True(cutover.RootElement.GetProperty("ready").GetBoolean(), cutover.RootElement.ToString());
    }

    [Fact]
    public async Task Clients_WritingBothEntitiesWhileThePatternWalksThereAndBack_BothTablesEndEqualWithEveryAcknowledgedLine()
    {
        await using var api = await StartAsync("src_only");
        var db = api.Databases;
        var writers = Enumerable.Range(0, 2).Select(i => new Writer(api.CreateClient(), i)).ToArray();
        using var stop = new CancellationTokenSource();
        var running = writers.Select(w => w.RunAsync(stop.Token)).ToArray();

        // Every writer finishing some writes after a switch also means its write in flight during the switch is done.
        async Task EveryWriterWritesAsync(string phase)
        {
            var marks = writers.Select(w => w.Completed).ToArray();
            await Eventually.HoldsAsync(() => Task.FromResult(writers.Select((w, i) => w.Completed >= marks[i] + 4).All(done => done)),
                $"every writer completes 4 writes under {phase}", seconds: 60);
        }

        try
        {
            foreach (var next in new[] { "src_first", "dst_first", "dst_only", "dst_first", "src_first", "src_only" })
            {
                await EveryWriterWritesAsync($"the pattern before {next}");
                if ((next.StartsWith("src", StringComparison.Ordinal) ? "SRC" : "DST") != (await api.PatternAsync()).BaseSide)
                {
                    await api.ProveCutoverAsync();
                }

                await SwitchAsync(api, next);
            }

            await EveryWriterWritesAsync("src_only, at the end");
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(running);
        }

        // The target missed the last src_only writes: the proof's full validation with the source as the truth repairs it.
        await api.ProveCutoverAsync();

        Assert.All(writers, w => Assert.True(w.Failures.IsEmpty, string.Join("\n", w.Failures)));
        Assert.Equal(0, await db.CountDifferencesAsync("users", "id"));
        Assert.Equal(0, await db.CountDifferencesAsync(Lines, _lineKey));
        var (source, target) = (await LinesOnAsync(db, Direction.Src), await LinesOnAsync(db, Direction.Dst));
        foreach (var (key, acknowledged) in writers.SelectMany(w => w.Acknowledged))
        {
            Assert.Equal(acknowledged is null, !source.ContainsKey(key));
            if (acknowledged is not null)
            {
                Assert.Contains(acknowledged, source[key], StringComparison.Ordinal);
                Assert.Equal(source[key], target[key]);
            }
        }

        Assert.True(writers.All(w => w.Created > 0 && w.Replaced > 0 && w.Deleted > 0 && w.Users > 0),
            string.Join("; ", writers.Select(w => $"created {w.Created}, replaced {w.Replaced}, deleted {w.Deleted}, users {w.Users}")));
        // A line deleted under dst_only is still on the source; created again under dst_first, its copy meets that
        // stale row. It is not overwritten but stored as a conflict, which the next full run closes (the proof waits
        // for that): none is left open.
        var status = await api.StatusAsync();
        Assert.True(status.DoubleWrite is { SecondaryFailures: 0, PrimaryFailures: 0 }, JsonSerializer.Serialize(status.DoubleWrite));
        Assert.Equal(0L, status.OpenConflicts);
    }

    /// <summary>
    /// A client writing both tables: creates users, and creates, replaces and deletes lines of its own orders (no two
    /// writers share a key). It remembers what each line was acknowledged as; a 409 acknowledges nothing; any other
    /// answer that is not the expected one (a 404 for a line it holds, a 503) is a failure.
    /// </summary>
    private sealed class Writer(HttpClient client, int index)
    {
        private int _completed;

        /// <summary>By "order|line": the acknowledged values as the test reads them, or null once deleted.</summary>
        public Dictionary<string, string?> Acknowledged { get; } = [];

        public ConcurrentQueue<string> Failures { get; } = new();

        public int Completed => Volatile.Read(ref _completed);

        public int Created { get; private set; }

        public int Replaced { get; private set; }

        public int Deleted { get; private set; }

        public int Users { get; private set; }

        public async Task RunAsync(CancellationToken stop)
        {
            var random = new Random(index);
            var ct = TestContext.Current.CancellationToken; // a request once sent is never cut short by the stop
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var roll = random.Next(10);
                var live = Acknowledged.Where(a => a.Value is not null).Select(a => a.Key).ToList();
                if (roll < 2)
                {
                    var response = await client.PostAsJsonAsync("/api/users", UserFields($"w{index} n{n}"), ct);
                    Users += await CheckAsync(response, HttpStatusCode.Created) ? 1 : 0;
                }
                else if (roll < 9 || live.Count == 0)
                {
                    var (order, line) = ((index + 1) * 1_000L + random.Next(4), random.Next(1, 7));
                    var (sku, qty, price) = ($"w{index}-{n}", random.Next(1, 100), random.Next(0, 100_000) / 100m);
                    var response = await client.PutAsJsonAsync($"/api/orders/{order}/lines/{line}", new { sku, qty, price }, ct);
                    if (response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK)
                    {
                        Acknowledged[$"{order}|{line}"] = $"price={price.ToString("0.00", CultureInfo.InvariantCulture)}|qty={qty}|sku={sku}|";
                        Created += response.StatusCode == HttpStatusCode.Created ? 1 : 0;
                        Replaced += response.StatusCode == HttpStatusCode.OK ? 1 : 0;
                    }
                    else
                    {
                        await CheckAsync(response, HttpStatusCode.OK);
                    }
                }
                else
                {
                    var key = live[random.Next(live.Count)];
                    var (order, line) = (key.Split('|')[0], key.Split('|')[1]);
                    var response = await client.DeleteAsync($"/api/orders/{order}/lines/{line}", ct);
                    if (await CheckAsync(response, HttpStatusCode.NoContent))
                    {
                        Acknowledged[key] = null;
                        Deleted++;
                    }
                }

                Interlocked.Increment(ref _completed);
            }
        }

        private async Task<bool> CheckAsync(HttpResponseMessage response, HttpStatusCode expected)
        {
            if (response.StatusCode != expected && response.StatusCode != HttpStatusCode.Conflict)
            {
                Failures.Enqueue($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: {(int)response.StatusCode} " +
                    await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            }

            return response.StatusCode == expected;
        }
    }
}

public sealed class SqliteOwnModelDoubleWriteTests : OwnModelDoubleWriteTests
{
    protected override Task<TestDatabases> CreateDatabasesAsync() => Task.FromResult<TestDatabases>(new SqliteTestDatabases());
}

public sealed class MariaDbOwnModelDoubleWriteTests(MariaDbFixture mariaDb) : OwnModelDoubleWriteTests
{
    protected override async Task<TestDatabases> CreateDatabasesAsync() =>
        await MariaDbTestDatabases.CreateAsync(await mariaDb.GetServerAsync());
}
