using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.Bench;

/// <summary>
/// librdkafka's mock cluster in a process of its own (this program started with <see cref="Argument"/>), as a real
/// broker would be: the mock cluster keeps every message of its topics in memory, and inside the bench's process that
/// memory would be counted as the service's. The child prints its bootstrap servers, then creates topics on request
/// (<c>topic NAME PARTITIONS</c> on its standard input, answered with <c>ok</c>) until its input closes.
/// </summary>
internal sealed class MockBrokerProcess : IDisposable
{
    /// <summary>The argument that makes this program the broker's process, followed by the number of brokers.</summary>
    public const string Argument = "--kafka-mock-brokers";

    private readonly Process _process;

    private MockBrokerProcess(Process process, string bootstrapServers)
    {
        _process = process;
        BootstrapServers = bootstrapServers;
    }

    public string BootstrapServers { get; }

    /// <summary>Starts the child with <paramref name="brokers"/> brokers and waits for its bootstrap servers.</summary>
    public static MockBrokerProcess Start(int brokers)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        }

        start.ArgumentList.Add(Argument);
        start.ArgumentList.Add(brokers.ToString(CultureInfo.InvariantCulture));
        var process = Process.Start(start) ?? throw new InvalidOperationException("The mock broker's process did not start.");
        var line = process.StandardOutput.ReadLine();
        return line?.StartsWith("bootstrap ", StringComparison.Ordinal) == true
            ? new MockBrokerProcess(process, line["bootstrap ".Length..])
            : throw new InvalidOperationException($"The mock broker's process said '{line}' instead of its bootstrap servers.");
    }

    public void CreateTopic(string topic, int partitions)
    {
        _process.StandardInput.WriteLine(string.Create(CultureInfo.InvariantCulture, $"topic {topic} {partitions}"));
        _process.StandardInput.Flush();
        var answer = _process.StandardOutput.ReadLine();
        if (answer != "ok")
        {
            throw new InvalidOperationException($"The mock broker did not create topic {topic}: {answer}");
        }
    }

    /// <summary>The working set of the broker's process, MB.</summary>
    public double WorkingSetMb()
    {
        _process.Refresh();
        return _process.WorkingSet64 / 1024.0 / 1024.0;
    }

    public void Dispose()
    {
        _process.StandardInput.Close();
        if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            _process.Kill();
        }

        _process.Dispose();
    }

    /// <summary>The child's side: hosts the cluster until its input closes.</summary>
    public static int Serve(int brokers)
    {
        using var cluster = KafkaMockCluster.Start(brokers);
        Console.WriteLine($"bootstrap {cluster.BootstrapServers}");
        while (Console.ReadLine() is { } line)
        {
            var parts = line.Split(' ');
            try
            {
                cluster.CreateTopic(parts[1], int.Parse(parts[2], CultureInfo.InvariantCulture));
                Console.WriteLine("ok");
            }
            catch (Exception ex) when (ex is InvalidOperationException or FormatException or IndexOutOfRangeException)
            {
                Console.WriteLine(ex.Message.ReplaceLineEndings(" "));
            }
        }

        return 0;
    }
}
