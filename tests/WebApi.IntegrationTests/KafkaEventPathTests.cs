using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Migration.Application.Abstractions;
using Migration.Application.DeadLetters.ListDeadLetters;
using Migration.Application.DeadLetters.RetryDeadLetters;
using Migration.Domain;
using Migration.Domain.Inconsistencies;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>
/// The Kafka event path on the wire: the service's real producer and consumer against librdkafka's mock cluster,
/// checked with plain clients and kcat.
/// </summary>
public sealed class KafkaEventPathTests
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task FullRun_WithKafka_EventsArriveOnTheTopicWithRowKeyAndWireJson()
    {
        using var cluster = KafkaMockCluster.Start();
        const string topic = "dbMove";
        cluster.CreateTopic(topic, partitions: 3);
        await using var db = new SqliteTestDatabases();
        await using var api = new MigrationApi(db, 2_000, KafkaTestKit.Settings(cluster, topic, KafkaTestKit.Unique("repair"), "Api"), ownsDatabases: false);

        await api.CreateClient().PostAsync("/migrator/full/start", null, _ct);
        var status = await api.WaitForStatusAsync(s =>
            s.Full?.Status == "completed" && s.Outbox is { Pending: 0 } outbox && outbox.Relayed == s.Full.EventsPublished);

        Assert.Equal("kafka", status.Outbox!.Transport);
        Assert.Null(status.Outbox.OldestPendingAgeMs);
        Assert.Null(status.Consumer); // the api role runs no consumer
        var published = api.Publisher.Published.ToDictionary(e => e.EventId);
        Assert.Equal(status.Full!.EventsPublished, published.Count);
        var messages = await KafkaTestKit.ReadAsync(cluster.BootstrapServers, topic, partitions: 3);
        Assert.Equal(published.Count, messages.Count);
        foreach (var message in messages)
        {
            using var json = JsonDocument.Parse(message.Message.Value);
            var root = json.RootElement;
            var sent = published[root.GetProperty("EventId").GetGuid()];
            Assert.Equal($"users:{sent.Id}", message.Message.Key);
            Assert.Equal(sent.Id, root.GetProperty("ID").GetInt64());
            Assert.Equal("SRC", root.GetProperty("Direction").GetString());
            Assert.Equal(sent.Type.ToWire(), root.GetProperty("Type").GetString());
            Assert.Equal("users", root.GetProperty("Table").GetString());
            Assert.Equal(sent.DetectedAt, root.GetProperty("DetectedAt").GetDateTimeOffset());
            Assert.Equal(sent.Columns, root.GetProperty("Columns").EnumerateArray().Select(c => c.GetString()!).ToArray());
        }

        // The key spreads rows over the partitions and keeps each row on one.
        Assert.Equal(3, messages.Select(m => m.Partition.Value).Distinct().Count());
        Assert.Contains(messages, m => m.Message.Value.Contains("\"Columns\":[\"email\",\"balance\"]", StringComparison.Ordinal));

        // An independent client sees the same messages.
        var kcat = await KcatAsync("-b", cluster.BootstrapServers, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%k\\t%s\\n");
        var fromKcat = kcat.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(messages.Select(m => $"{m.Message.Key}\t{m.Message.Value}").Order(StringComparer.Ordinal).ToArray(), fromKcat);
    }

    [Fact]
    public async Task PoisonMessagesAndFailingRepairs_GoToTheDeadLetterTopic_AndTheConsumerKeepsGoing()
    {
        using var cluster = KafkaMockCluster.Start();
        var topic = KafkaTestKit.Unique("events");
        var dlq = topic + ".dlq";
        cluster.CreateTopic(topic, partitions: 2);
        cluster.CreateTopic(dlq, partitions: 1);
        await using var db = new SqliteTestDatabases();
        var settings = KafkaTestKit.Settings(cluster, topic, KafkaTestKit.Unique("repair"), "Both");
        settings["Migration:Repair:MaxAttempts"] = "3";
        await using var api = new MigrationApi(db, 500, settings, ownsDatabases: false);
        _ = api.Server;
        var target = await db.ReadAllAsync(Direction.Dst);
        Assert.DoesNotContain(17L, target.Keys);
        Assert.DoesNotContain(117L, target.Keys);
        Assert.DoesNotContain(217L, target.Keys);

        await KafkaTestKit.ProduceAsync(cluster.BootstrapServers, topic,
        [
            ("users:1", "not json at all"),
            ("users:2", """{"ID":2,"Table":"users"}"""),
            ("orders:17", """{"ID":17,"Direction":"SRC","Type":"target_missing","Table":"orders"}"""),
            (null, null),
            ("users:17", """{"ID":17,"Direction":"SRC","Type":"target_missing","Table":"users"}"""),
        ]);
        var dead = await KafkaTestKit.ReadAsync(cluster.BootstrapServers, dlq, partitions: 1, atLeast: 4);
        await KafkaTestKit.WaitForAsync(() => db.ReadAllAsync(Direction.Dst), rows => rows.ContainsKey(17), "repair of row 17 after the poison");

        // The two partitions interleave, so the dead letters are looked up by key (a null key reads as "").
        var byKey = dead.ToDictionary(m => m.Message.Key ?? "");
        Assert.Equal(["", "orders:17", "users:1", "users:2"], byKey.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("not json at all", byKey["users:1"].Message.Value);
        Assert.Null(byKey[""].Message.Value);
        Assert.Contains("not JSON", Header(byKey["users:1"], "dlq.error"), StringComparison.Ordinal);
        Assert.Contains("not JSON", Header(byKey[""], "dlq.error"), StringComparison.Ordinal);
        Assert.Contains("'Direction'", Header(byKey["users:2"], "dlq.error"), StringComparison.Ordinal);
        Assert.Contains("table 'orders'", Header(byKey["orders:17"], "dlq.error"), StringComparison.Ordinal);
        Assert.All(dead, m => Assert.StartsWith(topic + " [[", Header(m, "dlq.source"), StringComparison.Ordinal));

        // A repair that keeps failing is retried, then dead-lettered with its error; the next event is repaired.
        await db.ExecuteAsync(Direction.Dst, "ALTER TABLE users RENAME TO users_away");
        await KafkaTestKit.ProduceAsync(cluster.BootstrapServers, topic,
            [("users:117", """{"ID":117,"Direction":"SRC","Type":"target_missing","Table":"users"}""")]);
        dead = await KafkaTestKit.ReadAsync(cluster.BootstrapServers, dlq, partitions: 1, atLeast: 5);
        await db.ExecuteAsync(Direction.Dst, "ALTER TABLE users_away RENAME TO users");
        await KafkaTestKit.ProduceAsync(cluster.BootstrapServers, topic,
            [("users:217", """{"ID":217,"Direction":"SRC","Type":"target_missing","Table":"users"}""")]);
        await KafkaTestKit.WaitForAsync(() => db.ReadAllAsync(Direction.Dst), rows => rows.ContainsKey(217), "repair of row 217 after the failing one");

        Assert.Equal("users:117", dead[4].Message.Key);
        Assert.Equal("3", Header(dead[4], "dlq.attempts"));
        Assert.Contains("users", Header(dead[4], "dlq.error"), StringComparison.Ordinal);
        var status = await api.WaitForStatusAsync(s => s.Consumer is { Lag: 0 } && s.Consumer.Handled == 7);
        Assert.Equal(5, status.Consumer!.DeadLettered);
        Assert.Equal(5, status.Repair.GaveUp);
        Assert.True(status.Repair.Failed >= 3, $"failed attempts: {status.Repair.Failed}");
        Assert.Equal(2, status.Repair.Upserted);
        Assert.Equal([0, 1], status.Consumer.AssignedPartitions);
        var committed = await KafkaTestKit.WaitForAsync(
            () => Task.FromResult(KafkaTestKit.Committed(cluster.BootstrapServers, status.Consumer.GroupId, topic, 2)),
            offsets => offsets.Values.Sum() == 7, "commit of all 7 messages");
        Assert.Equal(KafkaTestKit.EndOffsets(cluster.BootstrapServers, topic, 2), committed);

        // The same five are dead letters in the control database too, listed with where they came from.
        Assert.Equal(new DeadLetterCounts(5, 5), status.DeadLetters);
        var client = api.CreateClient();
        var letters = (await client.GetFromJsonAsync<DeadLetterPageDto>("/migrator/dead-letters", _ct))!;
        Assert.Equal((5L, 5L), (letters.Open, letters.Total));
        Assert.Equal(["", "orders:17", "users:1", "users:117", "users:2"], letters.Items.Select(d => d.Key).Order(StringComparer.Ordinal));
        Assert.All(letters.Items, d => Assert.StartsWith(topic + " [[", d.Source, StringComparison.Ordinal));
        Assert.Equal(dead.Select(m => Header(m, "dlq.source")).Order(StringComparer.Ordinal), letters.Items.Select(d => d.Source).Order(StringComparer.Ordinal));
        var failed = letters.Items.Single(d => d.Key == "users:117");
        Assert.Equal(3, failed.Attempts);
        Assert.Equal(Header(dead[4], "dlq.error"), failed.Error);
        Assert.Equal("not json at all", letters.Items.Single(d => d.Key == "users:1").Payload);

        // Replayed through the outbox, the failed one goes to the topic again and is repaired now that the table is back.
        var replay = await client.PostAsJsonAsync("/migrator/dead-letters/retry", new { ids = new[] { failed.Id } }, _ct);
        Assert.Equal(1, (await replay.Content.ReadFromJsonAsync<DeadLetterRetryDto>(_ct))!.Replayed);
        await KafkaTestKit.WaitForAsync(() => db.ReadAllAsync(Direction.Dst), rows => rows.ContainsKey(117), "repair of the replayed row 117");
        await api.WaitForStatusAsync(s => s.DeadLetters is { Open: 4, Total: 5 } && s.Outbox is { Pending: 0 });
    }

    [Fact]
    public async Task TwoRepairInstancesInOneGroup_SharePartitions_AndTogetherRepairEverything()
    {
        using var cluster = KafkaMockCluster.Start();
        var topic = KafkaTestKit.Unique("events");
        cluster.CreateTopic(topic, partitions: 4);
        var group = KafkaTestKit.Unique("repair");
        await using var db = new SqliteTestDatabases();
        await using var api = new MigrationApi(db, 3_000, KafkaTestKit.Settings(cluster, topic, group, "Api"), ownsDatabases: false);
        _ = api.Server; // seeds the drift
        await using var first = new MigrationApi(db, 3_000, KafkaTestKit.Settings(cluster, topic, group, "Repair"), ownsDatabases: false);
        await using var second = new MigrationApi(db, 3_000, KafkaTestKit.Settings(cluster, topic, group, "Repair"), ownsDatabases: false);
        _ = first.Server;
        _ = second.Server;

        // Both members own partitions before any event exists, so no rebalance happens mid-stream.
        await KafkaTestKit.WaitForAsync(
            async () => (A: (await first.StatusAsync()).Consumer?.AssignedPartitions ?? [], B: (await second.StatusAsync()).Consumer?.AssignedPartitions ?? []),
            p => p.A.Count > 0 && p.B.Count > 0 && p.A.Concat(p.B).Order().SequenceEqual([0, 1, 2, 3]),
            "a split of the 4 partitions between the two instances");
        var before = await db.DiffAsync();

        await api.CreateClient().PostAsync("/migrator/full/start", null, _ct);
        await api.WaitForStatusAsync(s => s.Full?.Status == "completed" && s.Outbox is { Pending: 0 });
        await KafkaTestKit.WaitForAsync(() => db.DiffAsync(), d => d.Total == 0, "repair of every difference");
        var (a, b) = await KafkaTestKit.WaitForAsync(
            async () => (A: await first.StatusAsync(), B: await second.StatusAsync()),
            s => s.A.Consumer!.Handled + s.B.Consumer!.Handled >= before.Total && s.A.Consumer.Lag == 0 && s.B.Consumer.Lag == 0,
            "both instances done with every event");

        Assert.True(a.Repair.Repaired > 0 && b.Repair.Repaired > 0, $"first repaired {a.Repair.Repaired}, second {b.Repair.Repaired}");
        Assert.Equal(before.TargetMissing.Count + before.Neq.Count, a.Repair.Upserted + b.Repair.Upserted);
        Assert.Equal(before.BaseMissing.Count, a.Repair.Deleted + b.Repair.Deleted);
        Assert.Equal(before.Total, a.Consumer!.Handled + b.Consumer!.Handled); // no event handled twice
        Assert.Empty(a.Consumer.AssignedPartitions.Intersect(b.Consumer.AssignedPartitions));
    }

    private static string Header(ConsumeResult<string, string> message, string name) =>
        message.Message.Headers.TryGetLastBytes(name, out var value) ? Encoding.UTF8.GetString(value) : $"(no {name} header)";

    /// <summary>Runs kcat, the independent Kafka client from Debian's <c>kcat</c> package (test.sh installs it).</summary>
    private static async Task<string> KcatAsync(params string[] arguments)
    {
        var path = new[] { "/usr/bin/kcat", "/usr/local/bin/kcat" }.FirstOrDefault(File.Exists);
        Assert.True(path is not null, "kcat is not installed: run ./test.sh (it installs it) or `apt-get install -y kcat`.");
        var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"kcat exited with {process.ExitCode}: {await errors}");
        return await output;
    }
}
