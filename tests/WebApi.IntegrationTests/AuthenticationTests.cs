using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>The control API switches where production writes go: nothing that changes state is open.</summary>
public sealed class AuthenticationTests : IAsyncLifetime
{
    private readonly MigrationApi _api = new(new SqliteTestDatabases(), seedRows: 50);

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _api.DisposeAsync();

    [Fact]
    public async Task EveryMutatingEndpoint_WithoutKey_Returns401ProblemDetails()
    {
        var endpoints = _api.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => (Methods: e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [], Pattern: e.RoutePattern))
            .SelectMany(e => e.Methods.Where(m => m is not ("GET" or "HEAD" or "OPTIONS")).Select(m => (Method: m, Path: Path(e.Pattern))))
            .ToArray();
        Assert.Contains(endpoints, e => e.Path == "/migrator/incr/start");
        Assert.Contains(endpoints, e => e.Path == "/migrator/full/stop");

        var client = _api.CreateAnonymousClient();
        foreach (var (method, path) in endpoints)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
            var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path} answered {(int)response.StatusCode} without a key");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        Assert.Null((await _api.StatusAsync()).Incremental);
        Assert.Null((await _api.StatusAsync()).Full);
    }

    [Fact]
    public async Task Start_WithWrongKey_Returns401AndStartsNothing()
    {
        var client = _api.CreateAnonymousClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", MigrationApi.OperatorKey + "x");

        var response = await client.PostAsync("/migrator/full/start", null, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Null((await _api.StatusAsync()).Full);
    }

    [Fact]
    public async Task Start_WithViewerKey_IsAllowed()
    {
        var client = _api.CreateAnonymousClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", MigrationApi.ViewerKey);

        var response = await client.PostAsync("/migrator/full/start", null, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task PatternSwitch_WithKeyLackingTheOperatorRole_Returns403()
    {
        var viewer = _api.CreateAnonymousClient();
        viewer.DefaultRequestHeaders.Add("X-Api-Key", MigrationApi.ViewerKey);

        var refused = await viewer.PostAsync("/migrator/src_first", null, TestContext.Current.CancellationToken);
        var allowed = await _api.CreateClient().PostAsync("/migrator/src_first", null, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Fact]
    public async Task Status_WithoutKey_IsOpenByDefault()
    {
        var response = await _api.CreateAnonymousClient().GetAsync("/migrator/status", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Status_WithoutKey_WhenReadsAreProtected_Returns401()
    {
        await using var api = new MigrationApi(new SqliteTestDatabases(), seedRows: 10, new Dictionary<string, string?> { ["Auth:ProtectReads"] = "true" });

        var anonymous = await api.CreateAnonymousClient().GetAsync("/migrator/status", TestContext.Current.CancellationToken);
        var withKey = await api.CreateClient().GetAsync("/migrator/status", TestContext.Current.CancellationToken);
        var health = await api.CreateAnonymousClient().GetAsync("/health", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withKey.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task SwaggerDocument_DeclaresTheApiKeyScheme()
    {
        var json = await _api.CreateAnonymousClient().GetStringAsync("/swagger/v1/swagger.json", TestContext.Current.CancellationToken);
        using var doc = JsonDocument.Parse(json);
        var scheme = doc.RootElement.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        Assert.Equal("X-Api-Key", scheme.GetProperty("name").GetString());
        Assert.Equal("header", scheme.GetProperty("in").GetString());
    }

    private static string Path(Microsoft.AspNetCore.Routing.Patterns.RoutePattern pattern) =>
        "/" + string.Join('/', pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart literal => literal.Content,
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternSeparatorPart separator => separator.Content,
            _ => "1",
        }))));
}
