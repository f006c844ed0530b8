using System.Diagnostics;
using Confluent.Kafka;

namespace Migration.WebApi.IntegrationTests.Infrastructure;

/// <summary>Plain Kafka clients for the tests' own view of the topics, and the settings that point the service at a mock cluster.</summary>
internal static class KafkaTestKit
{
    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    /// <summary>The service's settings for a mock cluster, tuned for quick tests (commit, reconnect, rebalance).</summary>
    public static Dictionary<string, string?> Settings(KafkaMockCluster cluster, string topic, string groupId, string roles) => new()
    {
        ["Migration:Kafka:BootstrapServers"] = cluster.BootstrapServers,
        ["Migration:Kafka:Topic"] = topic,
        ["Migration:Kafka:GroupId"] = groupId,
        ["Migration:Kafka:CommitIntervalMs"] = "100",
        ["Migration:Roles"] = roles,
        ["Migration:Outbox:PollIntervalMs"] = "100",
        // librdkafka backs off up to 10 s between reconnects by default; a test waits for less.
        ["Migration:Kafka:Properties:reconnect.backoff.max.ms"] = "500",
        // The mock coordinator waits the session timeout less 1 s for members to rejoin when one joins or dies.
        ["Migration:Kafka:Consumer:session.timeout.ms"] = "3000",
        ["Migration:Kafka:Consumer:heartbeat.interval.ms"] = "500",
        ["Migration:Kafka:Consumer:fetch.wait.max.ms"] = "100",
    };

    /// <summary>
    /// Every message on the topic, read from the beginning by a fresh group until each of the
    /// <paramref name="partitions"/> partitions reported its end and at least <paramref name="atLeast"/> were read.
    /// </summary>
    public static Task<List<ConsumeResult<string, string>>> ReadAsync(
        string bootstrapServers, string topic, int partitions, int atLeast = 0, int seconds = 20) => Task.Run(() =>
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = Unique("reader"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            EnablePartitionEof = true,
        };
        using var consumer = new ConsumerBuilder<string, string>(config).SetLogHandler((_, _) => { }).Build();
        consumer.Subscribe(topic);
        var messages = new List<ConsumeResult<string, string>>();
        var atEnd = new HashSet<int>();
        var deadline = Stopwatch.StartNew();
        try
        {
            while (atEnd.Count < partitions || messages.Count < atLeast)
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(seconds),
                    $"Read {messages.Count} messages from {topic} (wanted at least {atLeast}), {atEnd.Count} of {partitions} partitions at their end, within {seconds} s.");
                var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
                if (result is null)
                {
                    continue;
                }

                if (result.IsPartitionEOF)
                {
                    atEnd.Add(result.Partition.Value);
                }
                else
                {
                    messages.Add(result);
                    atEnd.Remove(result.Partition.Value);
                }
            }
        }
        finally
        {
            consumer.Close();
        }

        return messages;
    });

    /// <summary>The group's committed offset per partition (-1 where it committed none), read without joining the group.</summary>
    public static Dictionary<int, long> Committed(string bootstrapServers, string groupId, string topic, int partitions)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = groupId,
            EnableAutoCommit = false,
        }).SetLogHandler((_, _) => { }).Build();
        return consumer.Committed(Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p)), TimeSpan.FromSeconds(10))
            .ToDictionary(o => o.Partition.Value, o => o.Offset.IsSpecial ? -1 : o.Offset.Value);
    }

    /// <summary>The end offset (high watermark) of each partition.</summary>
    public static Dictionary<int, long> EndOffsets(string bootstrapServers, string topic, int partitions)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = Unique("watermarks"),
        }).SetLogHandler((_, _) => { }).Build();
        return Enumerable.Range(0, partitions).ToDictionary(
            p => p, p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).High.Value);
    }

    public static async Task ProduceAsync(string bootstrapServers, string topic, IEnumerable<(string? Key, string? Value)> messages)
    {
        using var producer = new ProducerBuilder<string?, string?>(new ProducerConfig { BootstrapServers = bootstrapServers, Acks = Acks.All })
            .SetLogHandler((_, _) => { }).Build();
        foreach (var (key, value) in messages)
        {
            await producer.ProduceAsync(topic, new Message<string?, string?> { Key = key, Value = value }, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds, failing with <paramref name="what"/> and the last state after the deadline.</summary>
    public static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> condition, string what, int seconds = 20)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var value = await read();
            if (condition(value))
            {
                return value;
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(seconds), $"{what} did not happen within {seconds} s; last: {value}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}
