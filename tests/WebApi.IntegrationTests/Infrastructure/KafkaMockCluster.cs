using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace Migration.WebApi.IntegrationTests.Infrastructure;

/// <summary>
/// librdkafka's mock Kafka cluster: brokers that speak the real wire protocol on loopback TCP, living in this test
/// process, with error injection. Ordinary clients (Confluent.Kafka, kcat, the service in a child process) connect
/// to <see cref="BootstrapServers"/>. The P/Invoke calls bind to the very librdkafka file Confluent.Kafka loaded
/// (on Debian 12 that is <c>centos8-librdkafka.so</c>, not the default one), found in <c>/proc/self/maps</c>.
/// </summary>
internal sealed partial class KafkaMockCluster : IDisposable
{
    private const string Library = "librdkafka";
    private const int ProducerType = 0;
    private static readonly Lazy<string> _libraryPath = new(FindLoadedLibrary);

    private readonly Lock _lock = new();
    private nint _owner;
    private nint _cluster;

    static KafkaMockCluster() =>
        NativeLibrary.SetDllImportResolver(typeof(KafkaMockCluster).Assembly, Resolve);

    private KafkaMockCluster(nint owner, nint cluster)
    {
        _owner = owner;
        _cluster = cluster;
        BootstrapServers = Marshal.PtrToStringUTF8(rd_kafka_mock_cluster_bootstraps(cluster))
            ?? throw new InvalidOperationException("The mock cluster has no bootstrap servers.");
    }

    public string BootstrapServers { get; }

    /// <summary>Starts a cluster of <paramref name="brokers"/> brokers; groups rebalance without the initial delay.</summary>
    public static KafkaMockCluster Start(int brokers = 1)
    {
        var errors = new byte[512];
        var conf = rd_kafka_conf_new();
        // The handle only hosts the cluster; it never connects anywhere, so its complaints are noise.
        Set(conf, "log_level", "2", errors);
        Set(conf, "client.id", "mock-cluster-owner", errors);
        var owner = rd_kafka_new(ProducerType, conf, errors, (nuint)errors.Length);
        if (owner == 0)
        {
            throw new InvalidOperationException($"rd_kafka_new failed: {Text(errors)}");
        }

        var cluster = rd_kafka_mock_cluster_new(owner, brokers);
        if (cluster == 0)
        {
            rd_kafka_destroy(owner);
            throw new InvalidOperationException("rd_kafka_mock_cluster_new failed.");
        }

        rd_kafka_mock_group_initial_rebalance_delay_ms(cluster, 0);
        return new KafkaMockCluster(owner, cluster);
    }

    /// <summary>Creates a topic (the mock broker does not support the CreateTopics admin request).</summary>
    public void CreateTopic(string topic, int partitions, int replicationFactor = 1) =>
        Check(rd_kafka_mock_topic_create(Cluster, topic, partitions, replicationFactor), $"create topic {topic}");

    /// <summary>Disconnects every broker and refuses new connections (no leader change).</summary>
    public void SetAllBrokersDown() => Check(rd_kafka_mock_broker_set_down(Cluster, -1), "set brokers down");

    public void SetAllBrokersUp() => Check(rd_kafka_mock_broker_set_up(Cluster, -1), "set brokers up");

    /// <summary>The next requests of this API key (e.g. 0 = Produce) fail with these error codes, in order.</summary>
    public void PushRequestErrors(short apiKey, params Confluent.Kafka.ErrorCode[] errors) =>
        rd_kafka_mock_push_request_errors_array(Cluster, apiKey, (nuint)errors.Length, errors.Select(e => (int)e).ToArray());

    public void Dispose()
    {
        lock (_lock)
        {
            if (_cluster != 0)
            {
                rd_kafka_mock_cluster_destroy(_cluster);
                rd_kafka_destroy(_owner);
                _cluster = 0;
                _owner = 0;
            }
        }
    }

    private nint Cluster => _cluster != 0 ? _cluster : throw new ObjectDisposedException(nameof(KafkaMockCluster));

    private static void Set(nint conf, string name, string value, byte[] errors)
    {
        if (rd_kafka_conf_set(conf, name, value, errors, (nuint)errors.Length) != 0)
        {
            throw new InvalidOperationException($"rd_kafka_conf_set {name}: {Text(errors)}");
        }
    }

    private static void Check(int error, string what)
    {
        if (error != 0)
        {
            throw new InvalidOperationException($"Mock cluster: {what} failed with {(Confluent.Kafka.ErrorCode)error}.");
        }
    }

    private static string Text(byte[] buffer) => Encoding.UTF8.GetString(buffer, 0, Math.Max(0, Array.IndexOf(buffer, (byte)0)));

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name == Library ? NativeLibrary.Load(_libraryPath.Value) : 0;

    private static string FindLoadedLibrary()
    {
        Confluent.Kafka.Library.Load();
        var path = File.ReadLines("/proc/self/maps")
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault())
            .FirstOrDefault(p => p is not null && p.StartsWith('/') && Path.GetFileName(p).Contains("librdkafka", StringComparison.Ordinal));
        return path ?? throw new InvalidOperationException("Confluent.Kafka loaded no librdkafka that /proc/self/maps shows.");
    }

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint rd_kafka_conf_new();

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int rd_kafka_conf_set(nint conf, string name, string value, byte[] errstr, nuint errstrSize);

    [LibraryImport(Library)]
    private static partial nint rd_kafka_new(int type, nint conf, byte[] errstr, nuint errstrSize);

    [LibraryImport(Library)]
    private static partial void rd_kafka_destroy(nint rk);

    [LibraryImport(Library)]
    private static partial nint rd_kafka_mock_cluster_new(nint rk, int brokers);

    [LibraryImport(Library)]
    private static partial void rd_kafka_mock_cluster_destroy(nint cluster);

    [LibraryImport(Library)]
    private static partial nint rd_kafka_mock_cluster_bootstraps(nint cluster);

    [LibraryImport(Library)]
    private static partial void rd_kafka_mock_group_initial_rebalance_delay_ms(nint cluster, int delayMs);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int rd_kafka_mock_topic_create(nint cluster, string topic, int partitions, int replicationFactor);

    [LibraryImport(Library)]
    private static partial int rd_kafka_mock_broker_set_down(nint cluster, int brokerId);

    [LibraryImport(Library)]
    private static partial int rd_kafka_mock_broker_set_up(nint cluster, int brokerId);

    [LibraryImport(Library)]
    private static partial void rd_kafka_mock_push_request_errors_array(nint cluster, short apiKey, nuint count, int[] errors);
}
