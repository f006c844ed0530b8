using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Migration.Application.Users;
using Migration.Domain;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>
/// Nothing acknowledged is lost, under concurrency, on MariaDB: two instances of the service share one control
/// database; four clients create, update and delete users through both while the pattern walks
/// <c>src_only → src_first → dst_first → dst_only</c> and back, meeting the gate before each change of base side
/// (a full validation with the current base, repair drained) as an operator would. Every 201 carries an id no other
/// 201 carried; after each switch every acknowledged row is on the primary with its acknowledged values and no
/// acknowledged delete came back; after a last full validation and repair both sides hold exactly that.
/// </summary>
public sealed class DataSafetyTests(MariaDbFixture mariaDb)
{
    private const int Clients = 4;
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    /// <summary>What the clients were told, per user id they created: the last acknowledged values, or deleted.</summary>
    private readonly ConcurrentDictionary<long, Acknowledged> _acknowledged = new();
    private readonly ConcurrentDictionary<long, int> _createdBy = new();
    private int _duplicateIds;
    private readonly ConcurrentDictionary<string, int> _refused = new();
    private long _writes;

    private sealed record Acknowledged(string Name, string Email, int Age, decimal Balance, bool Deleted);

    [Fact]
    public async Task WalkAndBack_FourClientsTwoInstances_EveryAcknowledgedWriteSurvivesEverySwitch()
    {
        var databases = await MariaDbTestDatabases.CreateAsync(await mariaDb.GetServerAsync());
        var control = await databases.ControlConnectionStringAsync();
        await using var a = Start(databases, control, "instance-a", ownsDatabases: false);
        await using var b = Start(databases, control, "instance-b", ownsDatabases: true);
        await Eventually.HoldsAsync(async () => (await a.PatternAsync()) is { Instances.Count: 2, Converged: true }, "both instances heartbeat");

        using var stop = new CancellationTokenSource();
        var gate = new PauseGate(Clients);
        var clients = Enumerable.Range(0, Clients).Select(i => RunClientAsync(i, i % 2 == 0 ? a : b, gate, stop.Token)).ToArray();
        try
        {
            var walk = new[] { "src_first", "dst_first", "dst_only", "dst_first", "src_first", "src_only" };
            for (var step = 0; step < walk.Length; step++)
            {
                var (switcher, other) = step % 2 == 0 ? (a, b) : (b, a);
                await Eventually.HoldsAsync(() => Task.FromResult(Interlocked.Read(ref _writes) >= (step + 1) * 150), "the clients keep writing", 60);
                var target = walk[step];
                if (BaseOf(target) != (await switcher.PatternAsync()).BaseSide)
                {
                    await switcher.ProveCutoverAsync();
                }

                var response = await switcher.CreateClient().PostAsync($"/migrator/{target}", null, _ct);
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"switch to {target}: {await response.Content.ReadAsStringAsync(_ct)}");
                await Eventually.HoldsAsync(async () => (await other.PatternAsync()) is { Converged: true } p && p.Pattern == target, $"both apply {target}");

                await gate.PauseAsync();
                await AssertAcknowledgedOnAsync(databases, BaseOf(target) == "SRC" ? Direction.Src : Direction.Dst, $"after the switch to {target}");
                gate.Resume();
            }

            await stop.CancelAsync();
            gate.Resume();
            await Task.WhenAll(clients);
        }
        finally
        {
            await stop.CancelAsync();
            gate.Resume();
        }

        Assert.Equal(0, _duplicateIds);
        Assert.True(_acknowledged.Count > 100, $"only {_acknowledged.Count} users were created; refused: {string.Join("\n", _refused)}");

        // Under src_only again: a full validation and its repair make the target equal to the source, acknowledged rows included.
        await a.ProveCutoverAsync();
        await AssertAcknowledgedOnAsync(databases, Direction.Src, "at the end, on the source");
        await AssertAcknowledgedOnAsync(databases, Direction.Dst, "at the end, on the target");
        Assert.Equal(0, (await databases.DiffAsync()).Total);
    }

    private static string BaseOf(string pattern) => pattern.StartsWith("src", StringComparison.Ordinal) ? "SRC" : "DST";

    private static MigrationApi Start(MariaDbTestDatabases databases, string control, string instanceId, bool ownsDatabases)
    {
        var api = new MigrationApi(databases, seedRows: 300, new Dictionary<string, string?>
        {
            ["Migration:Pattern"] = "src_only",
            ["Migration:PatternRefreshMs"] = "200",
            ["Migration:InstanceId"] = instanceId,
            ["Migration:Control:Provider"] = "MySql",
            ["Migration:Control:ConnectionString"] = control,
        }, ownsDatabases);
        _ = api.Server;
        return api;
    }

    /// <summary>Creates, updates and deletes its own users until stopped; records what was acknowledged.</summary>
    private async Task RunClientAsync(int client, MigrationApi api, PauseGate gate, CancellationToken stop)
    {
        var http = api.CreateClient();
        var random = new Random(client);
        var mine = new List<long>();
        while (!stop.IsCancellationRequested)
        {
            await gate.WaitWhilePausedAsync(stop);
            if (stop.IsCancellationRequested)
            {
                break;
            }

            try
            {
                var roll = random.Next(10);
                if (roll < 5 || mine.Count == 0)
                {
                    var fields = Fields(client, random);
                    var response = await http.PostAsJsonAsync("/api/users", fields, stop);
                    if (response.StatusCode == HttpStatusCode.Created)
                    {
                        var user = (await response.Content.ReadFromJsonAsync<UserDto>(stop))!;
                        if (!_createdBy.TryAdd(user.Id, client))
                        {
                            Interlocked.Increment(ref _duplicateIds);
                        }

                        _acknowledged[user.Id] = new Acknowledged(fields.Name, fields.Email, fields.Age, fields.Balance, false);
                        mine.Add(user.Id);
                    }
                    else
                    {
                        await RefusedAsync(response, stop);
                    }
                }
                else if (roll < 8)
                {
                    var id = mine[random.Next(mine.Count)];
                    var fields = Fields(client, random);
                    var response = await http.PutAsJsonAsync($"/api/users/{id}", fields, stop);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        _acknowledged[id] = new Acknowledged(fields.Name, fields.Email, fields.Age, fields.Balance, false);
                    }
                    else
                    {
                        await RefusedAsync(response, stop);
                    }
                }
                else
                {
                    var id = mine[random.Next(mine.Count)];
                    var response = await http.DeleteAsync($"/api/users/{id}", stop);
                    if (response.StatusCode == HttpStatusCode.NoContent)
                    {
                        _acknowledged[id] = _acknowledged[id] with { Deleted = true };
                        mine.Remove(id);
                    }
                    else
                    {
                        await RefusedAsync(response, stop);
                    }
                }

                Interlocked.Increment(ref _writes);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        }
    }

    /// <summary>Counts an answer that acknowledged nothing, by status and title, for the failure message.</summary>
    private async Task RefusedAsync(HttpResponseMessage response, CancellationToken stop)
    {
        var body = await response.Content.ReadAsStringAsync(stop);
        var trace = body.IndexOf("\"traceId\"", StringComparison.Ordinal);
        _refused.AddOrUpdate($"{(int)response.StatusCode} {(trace > 0 ? body[..trace] : body)}", 1, (_, n) => n + 1);
    }

    private static UserFields Fields(int client, Random random)
    {
        var n = random.Next(1_000_000);
        return new UserFields($"client {client} #{n}", $"c{client}.{n}@example.com", random.Next(18, 90), random.Next(0, 100_000) / 100m);
    }

    private sealed record UserFields(string Name, string Email, int Age, decimal Balance);

    /// <summary>Every acknowledged row is on <paramref name="side"/> with its acknowledged values; no acknowledged delete came back.</summary>
    private async Task AssertAcknowledgedOnAsync(TestDatabases databases, Direction side, string when)
    {
        var rows = await databases.ReadAllAsync(side);
        var wrong = new List<string>();
        foreach (var (id, expected) in _acknowledged)
        {
            var found = rows.GetValueOrDefault(id);
            if (expected.Deleted)
            {
                if (found is not null)
                {
                    wrong.Add($"{id} was deleted but is there: {found}");
                }
            }
            else if (found is null)
            {
                wrong.Add($"{id} is missing");
            }
            else if (!found.Contains($"name={expected.Name}|", StringComparison.Ordinal)
                || !found.Contains($"email={expected.Email}|", StringComparison.Ordinal)
                || !found.Contains($"age={expected.Age}|", StringComparison.Ordinal)
                || !found.Contains($"balance={expected.Balance.ToString("0.00", CultureInfo.InvariantCulture)}|", StringComparison.Ordinal))
            {
                wrong.Add($"{id} has {found}, acknowledged {expected}");
            }
        }

        Assert.True(wrong.Count == 0, $"{when} on {side.ToWire()}, {wrong.Count} of {_acknowledged.Count} acknowledged rows are wrong:\n" +
            string.Join("\n", wrong.Take(20)));
    }

    /// <summary>Lets the test stop the clients between two requests and wait until none has one in flight.</summary>
    private sealed class PauseGate(int clients)
    {
        private readonly SemaphoreSlim _idle = new(0);
        private volatile TaskCompletionSource? _paused;

        public async Task PauseAsync()
        {
            _paused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            for (var i = 0; i < clients; i++)
            {
                Assert.True(await _idle.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken), "a client did not come to rest");
            }
        }

        public void Resume() => Interlocked.Exchange(ref _paused, null)?.TrySetResult();

        /// <summary>Called by a client before each request: while paused, it tells the test it is at rest, once, and waits.</summary>
        public async Task WaitWhilePausedAsync(CancellationToken stop)
        {
            if (_paused is { } paused)
            {
                _idle.Release();
                await paused.Task.WaitAsync(stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }
}
