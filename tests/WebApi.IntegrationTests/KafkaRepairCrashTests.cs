using System.Globalization;
using Migration.Domain;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>
/// A repair instance in its own process, killed with SIGKILL in the middle of the stream and started again: no
/// offset was committed before its repair (a batch's offsets only once the whole batch is done), and in the end every
/// inconsistency is repaired.
/// </summary>
public sealed class KafkaRepairCrashTests
{
    private const int Partitions = 4;
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task RepairProcessKilledMidStream_CommittedOffsetsCoverOnlyRepairedRows_AndARestartRepairsTheRest()
    {
        using var cluster = KafkaMockCluster.Start();
        var topic = KafkaTestKit.Unique("events");
        cluster.CreateTopic(topic, Partitions);
        var group = KafkaTestKit.Unique("repair");
        await using var db = new SqliteTestDatabases();
        await using (var api = new MigrationApi(db, 20_000, KafkaTestKit.Settings(cluster, topic, group, "Api"), ownsDatabases: false))
        {
            await api.CreateClient().PostAsync("/migrator/full/start", null, _ct);
            await api.WaitForStatusAsync(s => s.Full?.Status == "completed" && s.Outbox is { Pending: 0 }, seconds: 60);
        }

        var before = await db.DiffAsync();
        var events = (await KafkaTestKit.ReadAsync(cluster.BootstrapServers, topic, Partitions)).Select(m => new Event(
            m.Partition.Value, m.Offset.Value, long.Parse(m.Message.Key["users:".Length..], CultureInfo.InvariantCulture), m.Message.Value)).ToList();
        Assert.Equal(before.Total, events.Count);

        // The target refuses one row from the middle of partition 0: the consumer gets stuck retrying it, mid-stream.
        var partition0 = events.Where(e => e.Partition == 0 && e.Value.Contains("target_missing", StringComparison.Ordinal)).ToList();
        var stuck = partition0[partition0.Count / 2];
        await db.ExecuteAsync(Direction.Dst,
            $"CREATE TRIGGER refuse_row BEFORE INSERT ON users WHEN NEW.id = {stuck.Id} BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");

        var settings = ChildSettings(db, cluster, topic, group);
        Dictionary<int, long> committed;
        using (var repair = ServiceProcess.Start(settings))
        {
            // Four failed attempts take over 350 ms: several commit intervals in which a premature commit would show.
            await KafkaTestKit.WaitForAsync(repair.StatusAsync, s => s?.Repair.Failed >= 4 || repair.HasExited,
                "the repair process stuck on the refused row", seconds: 60);
            Assert.False(repair.HasExited, repair.Output);
            repair.Kill();
            committed = KafkaTestKit.Committed(cluster.BootstrapServers, group, topic, Partitions);
        }

        await db.ExecuteAsync(Direction.Dst, "DROP TRIGGER refuse_row");
        var source = await db.ReadAllAsync(Direction.Src);
        var target = await db.ReadAllAsync(Direction.Dst);
        bool Repaired(long id) => source.TryGetValue(id, out var s) ? target.TryGetValue(id, out var t) && s == t : !target.ContainsKey(id);
        var coveredByCommit = events.Where(e => e.Offset < committed[e.Partition]).ToList();
        Assert.All(coveredByCommit, e => Assert.True(Repaired(e.Id), $"offset {e.Offset} of partition {e.Partition} (row {e.Id}) was committed but the row is not repaired"));
        // Offsets are stored once a whole batch is done: the stuck message's batch is not committed, nor anything after it.
        Assert.True(committed[0] <= stuck.Offset, $"committed {committed[0]} covers the stuck message at {stuck.Offset}");
        Assert.False(Repaired(stuck.Id));

        using (var restarted = ServiceProcess.Start(settings))
        {
            await KafkaTestKit.WaitForAsync(() => db.DiffAsync(), d => d.Total == 0 || restarted.HasExited,
                "repair of the rest by the restarted process", seconds: 60);
            Assert.False(restarted.HasExited, restarted.Output);
            var end = KafkaTestKit.EndOffsets(cluster.BootstrapServers, topic, Partitions);
            await KafkaTestKit.WaitForAsync(
                () => Task.FromResult(KafkaTestKit.Committed(cluster.BootstrapServers, group, topic, Partitions)),
                offsets => offsets.All(o => o.Value == end[o.Key]), "commit up to the end of every partition");
        }
    }

    private static Dictionary<string, string?> ChildSettings(TestDatabases db, KafkaMockCluster cluster, string topic, string group)
    {
        var settings = KafkaTestKit.Settings(cluster, topic, group, "Repair");
        settings["Migration:DataDirectory"] = db.DataDirectory;
        foreach (var (side, name) in new[] { (Direction.Src, "Source"), (Direction.Dst, "Target") })
        {
            settings[$"Migration:{name}:Provider"] = db.Provider;
            settings[$"Migration:{name}:ConnectionString"] = db.ConnectionString(side);
        }

        settings["Migration:Seed:Enabled"] = "false";
        settings["Migration:Repair:MaxAttempts"] = "1000";
        settings["Migration:Repair:RetryBackoffMs"] = "50";
        return settings;
    }

    private sealed record Event(int Partition, long Offset, long Id, string Value);
}
