using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Migration.WebApi.IntegrationTests.Infrastructure;

internal static class KestrelServing
{
    /// <summary>
    /// Starts the service on a real socket (Kestrel on a free loopback port) instead of the test server, so a browser
    /// can reach it; returns its address. Call before anything else starts the host.
    /// </summary>
    public static Uri StartOnKestrel(this MigrationApi api)
    {
        api.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        api.StartServer();
        var addresses = api.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        return new Uri(addresses.First());
    }
}
