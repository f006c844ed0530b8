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

/// <summary>Bearer tokens, for platforms that carry an identity instead of a key.</summary>
public sealed class JwtAuthenticationTests : IAsyncLifetime
{
    private const string SigningKey = "test-signing-key-with-at-least-32-bytes!";
    private readonly MigrationApi _api = new(new SqliteTestDatabases(), seedRows: 20, new Dictionary<string, string?>
    {
        ["Auth:Jwt:SigningKey"] = SigningKey,
        ["Auth:Jwt:Issuer"] = "tests",
    });

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _api.DisposeAsync();

    private static string Token(string? role, string issuer = "tests", string key = SigningKey)
    {
        var claims = new Dictionary<string, object> { ["sub"] = "platform" };
        if (role is not null)
        {
            claims["role"] = role;
        }

        return new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().CreateToken(new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
        {
            Issuer = issuer,
            Claims = claims,
            Expires = TimeProvider.System.GetUtcNow().AddMinutes(5).UtcDateTime,
            SigningCredentials = new Microsoft.IdentityModel.Tokens.SigningCredentials(
                new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(key)),
                Microsoft.IdentityModel.Tokens.SecurityAlgorithms.HmacSha256),
        });
    }

    private HttpClient Client(string token)
    {
        var client = _api.CreateAnonymousClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    [Fact]
    public async Task Bearer_WithOperatorRole_MaySwitchThePattern()
    {
        var response = await Client(Token("operator")).PostAsync("/migrator/src_first", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Bearer_WithoutRole_MayStartValidationButNotSwitch()
    {
        var client = Client(Token(role: null));
        var start = await client.PostAsync("/migrator/full/start", null, TestContext.Current.CancellationToken);
        var @switch = await client.PostAsync("/migrator/src_first", null, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, @switch.StatusCode);
    }

    [Theory]
    [InlineData("other-issuer", SigningKey)]
    [InlineData("tests", "a-different-signing-key-of-32-bytes!!")]
    public async Task Bearer_WrongIssuerOrSignature_Returns401(string issuer, string key)
    {
        var response = await Client(Token("operator", issuer, key)).PostAsync("/migrator/full/start", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Null((await _api.StatusAsync()).Full);
    }

    [Fact]
    public async Task ApiKey_StillWorksBesideJwt()
    {
        var response = await _api.CreateClient().PostAsync("/migrator/full/start", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }
}
