using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Migration.Infrastructure;
using Migration.Infrastructure.Options;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>The event path's settings fail fast with the key to fix, and the status shows the outbox on either transport.</summary>
public sealed class EventPathConfigurationTests
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("Migration:Roles", "Repair", "Migration:Roles is Repair, which needs Kafka")]
    [InlineData("Migration:Outbox:BatchSize", "0", "Migration:Outbox:BatchSize is 0")]
    [InlineData("Migration:Kafka:Topic", "db move", "Migration:Kafka:Topic 'db move' is not a valid Kafka topic name")]
    [InlineData("Migration:Kafka:DeadLetterTopic", "dbMove", "Migration:Kafka:DeadLetterTopic must differ")]
    public void Options_InvalidEventPathSetting_FailNamingTheKey(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string?> { [key] = value };
        if (key.StartsWith("Migration:Kafka:", StringComparison.Ordinal))
        {
            settings["Migration:Kafka:BootstrapServers"] = "127.0.0.1:9092";
        }

        // The registrations the service starts with; ValidateOnStart turns this failure into a failed start.
        var services = new ServiceCollection().AddInfrastructure(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        using var provider = services.BuildServiceProvider();

        var failure = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<MigrationOptions>>().Value);
        Assert.Contains(expected, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_InProcessPath_ShowsTheDrainedOutboxAndNoKafkaConsumer()
    {
        await using var api = new MigrationApi(new SqliteTestDatabases(), 1_000);

        await api.CreateClient().PostAsync("/migrator/full/start", null, _ct);
        var status = await api.WaitForStatusAsync(s =>
            s.Full?.Status == "completed" && MigrationApi.Drained(s) && s.Outbox is { Pending: 0 } o && o.Relayed == s.Full.EventsPublished);

        Assert.Equal("in-process", status.Outbox!.Transport);
        Assert.Null(status.Outbox.OldestPendingAgeMs);
        Assert.Equal(0, status.Outbox.Errors);
        Assert.Null(status.Consumer);
    }
}
