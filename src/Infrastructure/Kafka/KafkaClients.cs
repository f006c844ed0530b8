using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Migration.Infrastructure.Options;

namespace Migration.Infrastructure.Kafka;

/// <summary>
/// Builds the Kafka clients from <c>Migration:Kafka</c>: our defaults, then the operator's librdkafka settings, then
/// the settings the delivery guarantees rest on, which cannot be overridden. The producer is shared by the outbox
/// relay and the dead-letter sender, and created on first use only.
/// </summary>
internal sealed partial class KafkaClients : IDisposable
{
    private readonly KafkaOptions _options;
    private readonly ILogger<KafkaClients> _logger;
    private readonly Lazy<IProducer<byte[], byte[]>> _producer;

    public KafkaClients(IOptions<MigrationOptions> options, ILogger<KafkaClients> logger)
    {
        _options = options.Value.Kafka;
        _logger = logger;
        _producer = new Lazy<IProducer<byte[], byte[]>>(BuildProducer);
    }

    /// <summary>Called with librdkafka's client-level errors (for example "all brokers are down").</summary>
    public event Action<string>? ProducerError;

    public KafkaOptions Options => _options;

    public IProducer<byte[], byte[]> Producer => _producer.Value;

    public ConsumerBuilder<byte[], byte[]> ConsumerBuilder()
    {
        // librdkafka prefetches up to 64 MB per consumer by default: while the repair is behind, that buffer fills and the
        // process grows with the backlog. 4 MB is still seconds of repair work, so the repair does not wait on a fetch.
        var config = new ConsumerConfig(Settings(new() { ["auto.offset.reset"] = "earliest", ["queued.max.messages.kbytes"] = "4096" }, _options.Consumer))
        {
            // Offsets are stored by the worker after a message was repaired or dead-lettered, and committed from the
            // store in the background: a commit never covers a message that was not handled.
            EnableAutoCommit = true,
            EnableAutoOffsetStore = false,
            AutoCommitIntervalMs = _options.CommitIntervalMs,
            GroupId = _options.GroupId,
        };
        return new ConsumerBuilder<byte[], byte[]>(config).SetLogHandler((_, message) => Log(message));
    }

    /// <summary>An admin client with the shared settings (metadata, group offsets).</summary>
    public AdminClientBuilder AdminClientBuilder() =>
        new AdminClientBuilder(new AdminClientConfig(Settings([], []))).SetLogHandler((_, message) => Log(message));

    public void Dispose()
    {
        if (_producer.IsValueCreated)
        {
            _producer.Value.Dispose();
        }
    }

    private IProducer<byte[], byte[]> BuildProducer()
    {
        var config = new ProducerConfig(Settings(new() { ["linger.ms"] = "5" }, _options.Producer))
        {
            // The durability contract: no duplicates from retries, written to every in-sync replica.
            EnableIdempotence = true,
            Acks = Acks.All,
            EnableDeliveryReports = true,
        };
        return new ProducerBuilder<byte[], byte[]>(config)
            .SetLogHandler((_, message) => Log(message))
            .SetErrorHandler((_, error) =>
            {
                LogClientError(error.Code, error.Reason);
                ProducerError?.Invoke(error.Reason);
            })
            .Build();
    }

    /// <summary>Our defaults for every client and for this kind, then the operator's shared and client-specific settings.</summary>
    private Dictionary<string, string> Settings(Dictionary<string, string> defaults, Dictionary<string, string> clientSpecific)
    {
        defaults["bootstrap.servers"] = _options.BootstrapServers!;
        defaults["client.id"] = string.IsNullOrWhiteSpace(_options.ClientId) ? $"migration-{Environment.MachineName}" : _options.ClientId;
        foreach (var (key, value) in _options.Properties.Concat(clientSpecific))
        {
            defaults[key] = value;
        }

        return defaults;
    }

    private void Log(LogMessage message)
    {
        var level = message.Level switch
        {
            SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical or SyslogLevel.Error => LogLevel.Error,
            SyslogLevel.Warning => LogLevel.Warning,
            SyslogLevel.Notice or SyslogLevel.Info => LogLevel.Information,
            _ => LogLevel.Debug,
        };
        LogLibrdkafka(level, message.Name, message.Facility, message.Message);
    }

    [LoggerMessage(Message = "librdkafka {Client} {Facility}: {Text}")]
    private partial void LogLibrdkafka(LogLevel level, string client, string facility, string text);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka producer error {Code}: {Reason}")]
    private partial void LogClientError(ErrorCode code, string reason);
}
