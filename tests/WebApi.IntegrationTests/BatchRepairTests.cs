using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Migration.Application.Abstractions;
using Migration.Application.Conflicts.ListConflicts;
using Migration.Domain;
using Migration.Domain.Inconsistencies;
using Migration.Domain.Tables;
using Migration.Infrastructure.Data;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>
/// The repair works in batches: a batch of mixed events (rows missing on the target, changed there, extra there, on a
/// single-key table and on a composite-key one) is repaired with one read and one multi-row write of each kind per
/// table and side, not one statement per row — whole rows inserted, the columns the run ignores too. A row written on
/// the other side after its difference was confirmed is left alone and stored as a conflict, as on the row path; and
/// the multi-row statements keep each row's own guard.
/// </summary>
public abstract class BatchRepairTests
{
    private protected readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    protected abstract Task<TestDatabases> CreateDatabasesAsync();

    private protected static MigrationApi CreateApi(TestDatabases databases) =>
        new(databases, settings: new Dictionary<string, string?>
        {
            ["Migration:Seed:Enabled"] = "false",
            ["Migration:Tables:0:Name"] = "items",
            ["Migration:Tables:0:IgnoreColumns:0"] = "note",
            ["Migration:Tables:0:VersionColumn"] = "utime",
            ["Migration:Tables:1:Name"] = "line_items",
            ["Migration:Tables:1:VersionColumn"] = "utime",
            // One lane, and time to take every event the relay hands over: the events below make one batch.
            ["Migration:Repair:Parallelism"] = "1",
            ["Migration:Repair:BatchWaitMs"] = "1000",
        });

    /// <summary>
    /// items 1–40 and line_items (1..10, 'a'/'b') on the source; on the target items 1–10 and line_items (1..3, *) are missing,
    /// items 11–20 and line_items (4..6, 'a') changed, items 41–45 and line_items (11, *) extra; item 20 was written on the target
    /// an hour from now, after any confirmation.
    /// </summary>
    private protected static async Task<long> CreateTablesAsync(TestDatabases databases)
    {
        var later = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds();
        foreach (var side in new[] { Direction.Src, Direction.Dst })
        {
            await databases.ExecuteAsync(side,
                "CREATE TABLE items (id BIGINT NOT NULL PRIMARY KEY, txt VARCHAR(50) NULL, note VARCHAR(50) NULL, utime BIGINT NOT NULL)");
            await databases.ExecuteAsync(side,
                "CREATE TABLE line_items (order_id BIGINT NOT NULL, sku VARCHAR(20) NOT NULL, qty INT NOT NULL, utime BIGINT NOT NULL, PRIMARY KEY (order_id, sku))");
        }

        await databases.ExecuteAsync(Direction.Src, "INSERT INTO items (id, txt, note, utime) VALUES " +
            string.Join(", ", Enumerable.Range(1, 40).Select(i => $"({i}, 'item {i}', 'note {i}', 100)")));
        await databases.ExecuteAsync(Direction.Dst, "INSERT INTO items (id, txt, note, utime) VALUES " +
            string.Join(", ", Enumerable.Range(11, 35).Select(i => i switch
            {
                20 => $"({i}, 'written later', 'target', {later})",
                <= 20 => $"({i}, 'changed {i}', 'target', 150)",
                _ => $"({i}, 'item {i}', 'note {i}', 100)",
            })));
        await databases.ExecuteAsync(Direction.Src, "INSERT INTO line_items (order_id, sku, qty, utime) VALUES " +
            string.Join(", ", Enumerable.Range(1, 10).SelectMany(o => new[] { $"({o}, 'a', {o}, 100)", $"({o}, 'b', {o * 10}, 100)" })));
        await databases.ExecuteAsync(Direction.Dst, "INSERT INTO line_items (order_id, sku, qty, utime) VALUES " +
            string.Join(", ", Enumerable.Range(4, 8).SelectMany(o => new[]
            {
                o <= 6 ? $"({o}, 'a', {o + 1000}, 150)" : $"({o}, 'a', {o}, 100)",
                $"({o}, 'b', {o * 10}, 100)",
            })));
        return later;
    }

    private protected static IReadOnlyList<InconsistentEvent> Events()
    {
        var at = DateTimeOffset.UtcNow;
        static RowKey Item(long id) => RowKey.Of(id);
        static RowKey Line(long order, string sku) => new(["order_id", "sku"], [order, sku], [order, System.Text.Encoding.UTF8.GetBytes(sku)]);
        InconsistentEvent Event(string table, RowKey key, InconsistencyType type) => new(Guid.NewGuid(), table, key, Direction.Src, type, at, []);
        return
        [
            .. Enumerable.Range(1, 10).Select(i => Event("items", Item(i), InconsistencyType.TargetMissing)),
            .. Enumerable.Range(11, 10).Select(i => Event("items", Item(i), InconsistencyType.Neq)),
            .. Enumerable.Range(41, 5).Select(i => Event("items", Item(i), InconsistencyType.BaseMissing)),
            .. Enumerable.Range(1, 3).SelectMany(o => new[] { Event("line_items", Line(o, "a"), InconsistencyType.TargetMissing), Event("line_items", Line(o, "b"), InconsistencyType.TargetMissing) }),
            .. Enumerable.Range(4, 3).Select(o => Event("line_items", Line(o, "a"), InconsistencyType.Neq)),
            Event("line_items", Line(11, "a"), InconsistencyType.BaseMissing),
            Event("line_items", Line(11, "b"), InconsistencyType.BaseMissing),
        ];
    }

    /// <summary>Publishes the events as validation does (through the outbox) and waits until each has its outcome.</summary>
    private protected static async Task RepairAsync(MigrationApi api, IReadOnlyList<InconsistentEvent> events)
    {
        await api.Services.GetRequiredService<IInconsistencyPublisher>().PublishAsync(events, TestContext.Current.CancellationToken);
        await api.WaitForStatusAsync(s => MigrationApi.Drained(s)
            && s.Repair.Upserted + s.Repair.Deleted + s.Repair.Unchanged + s.Repair.Conflicts + s.Repair.GaveUp >= events.Count);
    }

    /// <summary>Records the sizes of the repair's batches on the service's meter.</summary>
    private sealed class BatchSizes : IDisposable
    {
        private readonly MeterListener _listener = new();

        public BatchSizes()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == "migration.repair.batch_size")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<int>((_, size, _, _) => Sizes.Enqueue(size));
            _listener.Start();
        }

        public ConcurrentQueue<int> Sizes { get; } = new();

        public void Dispose() => _listener.Dispose();
    }

    [Fact]
    public async Task Repair_MixedEventsOnTwoTables_RepairedInOneBatchWithWholeRowsAndTheConflictLeftAlone()
    {
        using var batches = new BatchSizes();
        var databases = await CreateDatabasesAsync();
        await using var api = CreateApi(databases);
        var later = await CreateTablesAsync(databases);
        var events = Events();

        await RepairAsync(api, events);

        var status = await api.StatusAsync();
        // items: 10 inserted + 9 updated, line_items: 6 inserted + 3 updated; 5 + 2 deleted; item 20 a conflict.
        Assert.Equal((28L, 7L, 0L, 1L, 0L), (status.Repair.Upserted, status.Repair.Deleted, status.Repair.Unchanged, status.Repair.Conflicts, status.Repair.GaveUp));
        Assert.Contains(events.Count, batches.Sizes);
        Assert.Equal(0, await databases.CountDifferencesAsync("line_items", "order_id", "sku"));
        var target = await databases.ReadAllAsync(Direction.Dst, "items");
        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), target.Keys.Order());
        Assert.All(Enumerable.Range(1, 19), i => Assert.Contains($"|txt=item {i}|utime=100", target[i], StringComparison.Ordinal));
        // Inserted whole: the column the run ignores came along. Updated rows keep theirs: the update sets compared columns.
        Assert.Contains("note=note 3|", target[3], StringComparison.Ordinal);
        Assert.Contains("note=target|", target[12], StringComparison.Ordinal);
        Assert.Contains($"txt=written later|utime={later}", target[20], StringComparison.Ordinal);

        var conflict = Assert.Single((await api.CreateClient().GetFromJsonAsync<ConflictPageDto>("/migrator/conflicts?status=open", _ct))!.Items);
        Assert.Equal(("items", "20", 100L, later), (conflict.Table, conflict.Key, conflict.BaseVersion, conflict.OtherVersion));
        Assert.Contains("after the difference was confirmed", conflict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GuardedUpsertAndDelete_EachRowUnderItsOwnGuard_LeaveRowsNewerThanTheirGuardAlone()
    {
        var databases = await CreateDatabasesAsync();
        await using var api = CreateApi(databases);
        await CreateTablesAsync(databases);
        await api.StatusAsync();
        // Target items: 11 at 150, 20 at an hour from now, 41 and 42 at 100. Guards: 11 at 120 (its base version 50
        // is older too: refused), 12 at 200 (taken), 20 at 1000 (refused), 1 inserted; deletes: 41 at 50 (refused), 42 at 100 (taken).
        var table = (await api.Services.GetRequiredService<ITableCatalog>().GetAsync(_ct)).Find("items")!;
        var side = api.Services.GetRequiredService<SideDatabases>()[Direction.Dst];
        object?[] Row(long id) => [id, $"batch {id}", "batch", 50L];
        string[] columns = ["id", "txt", "note", "utime"];
        await using (var connection = await side.OpenAsync(_ct))
        {
            await using var upsert = connection.CreateCommand();
            upsert.CommandText = side.Dialect.GuardedUpsert(table, columns, [(Row(11), 120L), (Row(12), 200L), (Row(20), 1000L), (Row(1), 0L)], upsert);
            await upsert.ExecuteNonQueryAsync(_ct);
            await using var delete = connection.CreateCommand();
            delete.CommandText = SqlDialect.GuardedDeleteMany(table, [(RowKey.Of(41), 50L), (RowKey.Of(42), 100L)], delete);
            await delete.ExecuteNonQueryAsync(_ct);
        }

        var target = await databases.ReadAllAsync(Direction.Dst, "items");
        Assert.Contains("txt=changed 11|utime=150", target[11], StringComparison.Ordinal);
        Assert.Contains("note=target|txt=batch 12|utime=50", target[12], StringComparison.Ordinal);
        Assert.Contains("txt=written later", target[20], StringComparison.Ordinal);
        Assert.Contains("note=batch|txt=batch 1|utime=50", target[1], StringComparison.Ordinal);
        Assert.True(target.ContainsKey(41));
        Assert.False(target.ContainsKey(42));
    }
}

public sealed class SqliteBatchRepairTests : BatchRepairTests
{
    protected override Task<TestDatabases> CreateDatabasesAsync() => Task.FromResult<TestDatabases>(new SqliteTestDatabases());
}

public sealed class MariaDbBatchRepairTests(MariaDbFixture mariaDb) : BatchRepairTests
{
    protected override async Task<TestDatabases> CreateDatabasesAsync() =>
        await MariaDbTestDatabases.CreateAsync(await mariaDb.GetServerAsync());

    /// <summary>
    /// Counts the statements MySqlConnector runs against the target database (its <c>MySqlConnector</c> activity
    /// source), so the count holds however many tests share the server: a row-by-row repair runs one write per row.
    /// </summary>
    [Fact]
    public async Task Repair_MixedEventsOnTwoTables_OneReadAndOneWritePerKindPerTableAndSide()
    {
        var databases = (MariaDbTestDatabases)await CreateDatabasesAsync();
        var targetDatabase = new MySqlConnector.MySqlConnectionStringBuilder(databases.ConnectionString(Direction.Dst)).Database;
        var statements = new ConcurrentQueue<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "MySqlConnector",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.GetTagItem("db.name") as string == targetDatabase && activity.GetTagItem("db.statement") is string sql
                    && (sql.Contains("`items`", StringComparison.Ordinal) || sql.Contains("`line_items`", StringComparison.Ordinal)))
                {
                    statements.Enqueue(sql);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        await using var api = CreateApi(databases);
        await CreateTablesAsync(databases);
        var events = Events();
        // The catalog's own reads of the tables are done before the count starts.
        await api.Services.GetRequiredService<ITableCatalog>().GetAsync(_ct);
        statements.Clear();

        await RepairAsync(api, events);

        var kinds = statements.GroupBy(s => s.TrimStart().Split(' ', 2)[0].ToUpperInvariant()).ToDictionary(g => g.Key, g => g.Count());
        var seen = string.Join("; ", kinds.Select(k => $"{k.Key}={k.Value}"));
        // Per table on the target: one read before, one upsert, one delete, one verification read.
        Assert.True(kinds.GetValueOrDefault("INSERT") == 2, seen);
        Assert.True(kinds.GetValueOrDefault("DELETE") == 2, seen);
        Assert.True(kinds.GetValueOrDefault("UPDATE") == 0, seen);
        Assert.True(kinds.GetValueOrDefault("SELECT") == 4, seen);
        Assert.Equal((28L, 7L, 1L), ((await api.StatusAsync()).Repair.Upserted, (await api.StatusAsync()).Repair.Deleted, (await api.StatusAsync()).Repair.Conflicts));
    }
}
