using System.Net;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>Every response forbids sniffing and framing, errors included; the real server does not name itself.</summary>
public sealed class SecurityHeadersTests
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Response_AnyEndpointOrError_ForbidsSniffingAndFraming()
    {
        await using var api = new MigrationApi(new SqliteTestDatabases(), seedRows: 20);
        var client = api.CreateAnonymousClient();

        foreach (var (method, path, expected) in new[]
        {
            ("GET", "/health/live", HttpStatusCode.OK),
            ("GET", "/migrator/status", HttpStatusCode.OK),
            ("GET", "/swagger/index.html", HttpStatusCode.OK),
            ("POST", "/migrator/full/stop", HttpStatusCode.Unauthorized),
            ("GET", "/api/users/99999", HttpStatusCode.NotFound),
            ("GET", "/no/such/route", HttpStatusCode.NotFound),
        })
        {
            var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), _ct);

            Assert.Equal(expected, response.StatusCode);
            AssertSecurityHeaders(response);
        }
    }

    [Fact]
    public async Task RealServer_Response_CarriesNoServerHeader()
    {
        await using var db = new SqliteTestDatabases();
        using var service = ServiceProcess.Start(new Dictionary<string, string?>
        {
            ["Migration:DataDirectory"] = db.DataDirectory,
            ["Migration:Seed:Rows"] = "20",
            ["Auth:ApiKeys:0:Key"] = MigrationApi.OperatorKey,
        });
        await Eventually.HoldsAsync(async () => service.HasExited || await service.StatusAsync() is not null, "the service answering", seconds: 60);
        Assert.False(service.HasExited, service.Output);
        using var client = new HttpClient { BaseAddress = service.Address };

        foreach (var path in new[] { "/health/live", "/no/such/route" })
        {
            var response = await client.GetAsync(path, _ct);
            Assert.False(response.Headers.Contains("Server"), $"{path}: Server: {string.Join(", ", response.Headers.Server)}");
            AssertSecurityHeaders(response);
        }
    }

    [Fact]
    public async Task JsonConsoleLogs_StandardOutputIsOnlyJson_TheGeneratedKeyGoesToStandardError()
    {
        await using var db = new SqliteTestDatabases();
        using var service = ServiceProcess.Start(new Dictionary<string, string?>
        {
            ["Migration:DataDirectory"] = db.DataDirectory,
            ["Migration:Seed:Rows"] = "20",
            ["Logging:Console:FormatterName"] = "json",
            ["Logging:LogLevel:Default"] = "Information",
        });
        await Eventually.HoldsAsync(async () => service.HasExited || await service.StatusAsync() is not null, "the service answering", seconds: 60);
        Assert.False(service.HasExited, service.Output);

        var lines = service.StandardOutput.Where(l => l.Length > 0).ToList();
        Assert.NotEmpty(lines);
        Assert.All(lines, line => System.Text.Json.JsonDocument.Parse(line).Dispose());
        Assert.Contains(service.Output.Split('\n'), l => l.Contains("X-Api-Key: ", StringComparison.Ordinal));
    }

    private static void AssertSecurityHeaders(HttpResponseMessage response)
    {
        Assert.Equal(["nosniff"], response.Headers.GetValues("X-Content-Type-Options"));
        Assert.Equal(["DENY"], response.Headers.GetValues("X-Frame-Options"));
    }
}
