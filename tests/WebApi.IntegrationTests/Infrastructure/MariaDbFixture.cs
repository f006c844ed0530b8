using Migration.Testing;
using Migration.WebApi.IntegrationTests.Infrastructure;

[assembly: AssemblyFixture(typeof(MariaDbFixture))]

namespace Migration.WebApi.IntegrationTests.Infrastructure;

/// <summary>
/// One MariaDB server for the whole test run, started when the first test asks for it, so runs of the SQLite
/// tests alone never start one. A server that failed to start fails every test that needs it, with the reason.
/// </summary>
public sealed class MariaDbFixture : IAsyncDisposable
{
    private readonly Lazy<Task<MariaDbServer>> _server = new(() => MariaDbServer.StartAsync(CancellationToken.None));

    internal Task<MariaDbServer> GetServerAsync() => _server.Value;

    public async ValueTask DisposeAsync()
    {
        if (!_server.IsValueCreated)
        {
            return;
        }

        var start = _server.Value;
        await ((Task)start).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (start.IsCompletedSuccessfully)
        {
            await start.Result.DisposeAsync();
        }
    }
}
