using System.Net.Http.Json;
using System.Text.Json;
using Migration.Application.Patterns.Cutover;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>
/// Cut-over readiness beyond the repaired full run: a quiet window without new differences, and every change of
/// readiness published on the status topic (librdkafka's mock cluster) so a platform can wait for it.
/// </summary>
public sealed class CutoverReadinessTests
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Readiness_WaitsForTheQuietWindow_AndEveryChangeIsPublishedOnTheStatusTopic()
    {
        using var cluster = KafkaMockCluster.Start();
        var topic = KafkaTestKit.Unique("events");
        cluster.CreateTopic(topic, partitions: 1);
        cluster.CreateTopic($"{topic}.status", partitions: 1);
        var settings = KafkaTestKit.Settings(cluster, topic, KafkaTestKit.Unique("repair"), "Both");
        settings["Migration:Pattern"] = "src_first";
        settings["Migration:Cutover:QuietSeconds"] = "3";
        settings["Migration:Cutover:WatchIntervalMs"] = "200";
        await using var api = new MigrationApi(new SqliteTestDatabases(), 300, settings);
        _ = api.Server;

        var first = await NextStatusAsync(cluster, topic, 1);
        Assert.Equal(("src_first", "dst_first", false), (first.GetProperty("current").GetString(), first.GetProperty("next").GetString(), first.GetProperty("ready").GetBoolean()));

        await api.ProveCutoverAsync();
        // The run found the seed's drift: the newest difference is seconds old at most, so the quiet window holds it back.
        var held = await api.CreateClient().GetFromJsonAsync<CutoverDto>("/migrator/cutover", _ct);
        Assert.False(held!.Ready);
        Assert.Contains(held.Reasons, r => r.Contains("Migration:Cutover:QuietSeconds", StringComparison.Ordinal));
        Assert.NotNull(held.LastDifferenceAt);

        var ready = await NextStatusAsync(cluster, topic, 2);
        Assert.True(ready.GetProperty("ready").GetBoolean());
        var at = ready.GetProperty("at").GetDateTimeOffset();
        Assert.True(at >= held.LastDifferenceAt!.Value.AddSeconds(3), $"ready at {at:O}, the last difference at {held.LastDifferenceAt:O}");
        Assert.True((await api.CreateClient().GetFromJsonAsync<CutoverDto>("/migrator/cutover", _ct))!.Ready);
    }

    /// <summary>The <paramref name="count"/>-th message on the status topic, waiting for it.</summary>
    private static async Task<JsonElement> NextStatusAsync(KafkaMockCluster cluster, string topic, int count)
    {
        var messages = await KafkaTestKit.ReadAsync(cluster.BootstrapServers, $"{topic}.status", partitions: 1, atLeast: count, seconds: 30);
        Assert.All(messages, m => Assert.Equal("cutover", m.Message.Key));
        using var document = JsonDocument.Parse(messages[count - 1].Message.Value);
        return document.RootElement.Clone();
    }
}
