using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Migration.Infrastructure;
using Migration.Infrastructure.Options;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>
/// <c>/health/live</c>, <c>/health/ready</c> and <c>/health</c>: open to probes without a key, each check bounded, Kafka
/// part of readiness when configured. (Databases timing out: <see cref="DatabaseTimeoutTests"/>.)
/// </summary>
public sealed class HealthEndpointTests
{
    private const int ProbeTimeoutMs = 500;
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task HealthEndpoints_ReadsProtected_AnswerWithoutAKeyAndNameEveryReadinessCheck()
    {
        await using var api = new MigrationApi(new SqliteTestDatabases(), seedRows: 20, new Dictionary<string, string?> { ["Auth:ProtectReads"] = "true" });
        var client = api.CreateAnonymousClient();

        var live = await client.GetAsync("/health/live", _ct);
        var ready = await client.GetAsync("/health/ready", _ct);
        var all = await client.GetAsync("/health", _ct);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK), (live.StatusCode, ready.StatusCode, all.StatusCode));
        var liveBody = await JsonAsync(live);
        Assert.Equal("Healthy", liveBody.GetProperty("status").GetString());
        Assert.Empty(liveBody.GetProperty("checks").EnumerateObject()); // no database touched
        var checks = (await JsonAsync(ready)).GetProperty("checks");
        Assert.Equal(["control", "databases", "kafka"], checks.EnumerateObject().Select(c => c.Name).Order());
        Assert.All(checks.EnumerateObject(), c => Assert.Equal("Healthy", c.Value.GetProperty("status").GetString()));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/migrator/status", _ct)).StatusCode);
    }

    [Theory]
    [InlineData("Api", HttpStatusCode.OK, "Degraded")]
    [InlineData("Repair", HttpStatusCode.ServiceUnavailable, "Unhealthy")]
    public async Task Ready_KafkaBrokersDown_AnswersWithinTheProbeTimeout_NotReadyOnlyWithoutTheApi(string roles, HttpStatusCode whileDown, string kafkaWhileDown)
    {
        using var cluster = KafkaMockCluster.Start();
        var topic = KafkaTestKit.Unique("events");
        cluster.CreateTopic(topic, partitions: 1);
        var settings = KafkaTestKit.Settings(cluster, topic, KafkaTestKit.Unique("repair"), roles);
        settings["Migration:Health:ProbeTimeoutMs"] = ProbeTimeoutMs.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var api = new MigrationApi(new SqliteTestDatabases(), 20, settings);
        var client = api.CreateAnonymousClient();
        await Eventually.HoldsAsync(async () => await KafkaStatusAsync(client) == "Healthy", "Kafka healthy");

        cluster.SetAllBrokersDown();
        var clock = Stopwatch.StartNew();
        var down = await client.GetAsync("/health/ready", _ct);
        var took = clock.Elapsed;

        Assert.Equal(whileDown, down.StatusCode);
        var kafka = (await JsonAsync(down)).GetProperty("checks").GetProperty("kafka");
        Assert.Equal(kafkaWhileDown, kafka.GetProperty("status").GetString());
        // Down brokers either never answer (the probe's own timeout) or are reported down by librdkafka first.
        Assert.Matches($"no answer within {ProbeTimeoutMs} ms|failed", kafka.GetProperty("description").GetString());
        Assert.True(took < TimeSpan.FromMilliseconds(ProbeTimeoutMs + 1_500), $"readiness took {took.TotalMilliseconds:F0} ms");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live", _ct)).StatusCode);

        cluster.SetAllBrokersUp();
        await Eventually.HoldsAsync(async () => await KafkaStatusAsync(client) == "Healthy", "Kafka healthy again");
    }

    [Theory]
    [InlineData("Migration:Source:CommandTimeoutSeconds", "0", "Migration:Source:CommandTimeoutSeconds is 0")]
    [InlineData("Migration:Target:LockWaitTimeoutSeconds", "0", "Migration:Target:LockWaitTimeoutSeconds is 0")]
    [InlineData("Migration:Control:LockWaitTimeoutSeconds", "20", "Migration:Control:LockWaitTimeoutSeconds is 20; it must be between 1 and 10")]
    [InlineData("Migration:Validation:QueryTimeoutSeconds", "0", "Migration:Validation:QueryTimeoutSeconds is 0")]
    [InlineData("Migration:Health:ProbeTimeoutMs", "0", "Migration:Health:ProbeTimeoutMs is 0")]
    [InlineData("Migration:ShutdownTimeoutSeconds", "0", "Migration:ShutdownTimeoutSeconds is 0")]
    public void Options_InvalidTimeout_FailNamingTheKey(string key, string value, string expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();
        using var provider = new ServiceCollection().AddInfrastructure(configuration).BuildServiceProvider();

        var failure = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<MigrationOptions>>().Value);
        Assert.Contains(expected, failure.Message, StringComparison.Ordinal);
    }

    private async Task<string?> KafkaStatusAsync(HttpClient client) =>
        (await JsonAsync(await client.GetAsync("/health/ready", _ct))).GetProperty("checks").GetProperty("kafka").GetProperty("status").GetString();

    private async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(_ct)).RootElement;
}
