using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Migration.Domain;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>Kafka down in the middle of an incremental run: validation goes on, the outbox holds the events, nothing is lost.</summary>
public sealed class KafkaOutageTests
{
    private static readonly TimeSpan _outage = TimeSpan.FromSeconds(10);
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task BrokersDownForTenSecondsDuringARun_EveryEventIsDeliveredOnceAfterRecovery_AndTheOutboxDrains()
    {
        using var cluster = KafkaMockCluster.Start();
        var topic = KafkaTestKit.Unique("events");
        cluster.CreateTopic(topic, partitions: 3);
        await using var db = new SqliteTestDatabases();
        await using var api = new MigrationApi(db, 1_000, KafkaTestKit.Settings(cluster, topic, KafkaTestKit.Unique("repair"), "Api"), ownsDatabases: false);
        var client = api.CreateClient();
        var drift = (await db.DiffAsync()).Total;
        await client.PostAsJsonAsync("/migrator/incr/start", new { utime = 0, interval = 100 }, _ct);
        var caughtUp = await api.WaitForStatusAsync(s =>
            s.Incremental!.EventsPublished == drift && s.Outbox is { Pending: 0 } o && o.Relayed == drift);

        cluster.SetAllBrokersDown();
        var down = Stopwatch.StartNew();
        var now = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
        await db.ExecuteAsync(Direction.Src, $"UPDATE users SET name = 'during the outage', utime = {now} WHERE id % 20 = 1");
        const int edited = 50;

        // Validation is not held up: it finds the edits and the outbox keeps them while no broker answers.
        var during = await api.WaitForStatusAsync(s => s.Incremental!.EventsPublished == caughtUp.Incremental!.EventsPublished + edited);
        Assert.Equal("running", during.Incremental!.Status);
        Assert.Equal(edited, during.Outbox!.Pending);
        var stuck = await api.WaitForStatusAsync(s => down.Elapsed >= _outage, seconds: 30);
        Assert.Equal(edited, stuck.Outbox!.Pending);
        Assert.True(stuck.Outbox.OldestPendingAgeMs >= _outage.TotalMilliseconds - 2_000, $"oldest pending age {stuck.Outbox.OldestPendingAgeMs} ms");
        Assert.Equal(caughtUp.Outbox!.Relayed, stuck.Outbox.Relayed);
        Assert.True(stuck.Outbox.Errors > 0 && stuck.Outbox.LastError is not null, "the status should say why the outbox grows");

        cluster.SetAllBrokersUp();
        var drained = await api.WaitForStatusAsync(s => s.Outbox is { Pending: 0 } o && o.Relayed == s.Incremental!.EventsPublished, seconds: 30);
        await client.PostAsync("/migrator/incr/stop", null, _ct);

        var published = api.Publisher.Published.Select(e => e.EventId).ToHashSet();
        Assert.Equal(drained.Incremental!.EventsPublished, published.Count);
        var messages = await KafkaTestKit.ReadAsync(cluster.BootstrapServers, topic, partitions: 3);
        var onTopic = messages.Select(m => JsonDocument.Parse(m.Message.Value).RootElement.GetProperty("EventId").GetGuid()).ToList();
        Assert.Equal(published.Count, onTopic.Count); // none lost, none twice
        Assert.Equal(published, onTopic.ToHashSet());
        Assert.Equal(edited, messages.Count(m => m.Message.Value.Contains("\"Columns\":[\"name\",\"utime\"]", StringComparison.Ordinal)));
    }
}
