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
            Assert.Equal(["ApiKey header=\"X-Api-Key\""], response.Headers.WwwAuthenticate.Select(h => h.ToString()));
            Assert.Contains("X-Api-Key", await DetailAsync(response), StringComparison.Ordinal);
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
        Assert.Equal("The API key is not valid.", await DetailAsync(response));
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "ApiKey");
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
        Assert.Equal("This needs the 'operator' role, which 'viewer' does not have.", await DetailAsync(refused));
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
        using var doc = JsonDocument.Parse(await api.CreateClient().GetStringAsync("/swagger/v1/swagger.json", TestContext.Current.CancellationToken));
        var status = doc.RootElement.GetProperty("paths").GetProperty("/migrator/status").GetProperty("get");
        Assert.True(status.GetProperty("responses").TryGetProperty("401", out _), "reads need a key, so their 401 is documented");
        Assert.Equal(1, status.GetProperty("security").GetArrayLength());
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

    [Fact]
    public async Task SwaggerDocument_EveryEndpoint_DocumentsItsRefusalsAndPadlockFromItsMetadata()
    {
        using var doc = JsonDocument.Parse(await _api.CreateAnonymousClient().GetStringAsync("/swagger/v1/swagger.json", TestContext.Current.CancellationToken));
        var root = doc.RootElement;
        var paths = root.GetProperty("paths");
        Assert.False(root.TryGetProperty("security", out _), "no padlock on every endpoint: only on those that need a key");
        var actions = _api.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Mvc.Controllers.ControllerActionDescriptor>() is not null)
            .ToList();
        Assert.NotEmpty(actions);

        foreach (var action in actions)
        {
            var method = action.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Single();
            var path = "/" + System.Text.RegularExpressions.Regex.Replace(action.RoutePattern.RawText!, @"\{(\w+):[^}]*\}", "{$1}");
            Assert.True(paths.TryGetProperty(path, out var item), $"swagger lacks {path}");
            Assert.True(item.TryGetProperty(method.ToLowerInvariant(), out var operation), $"swagger lacks {method} {path}");
            var policies = action.Metadata.GetOrderedMetadata<Microsoft.AspNetCore.Authorization.IAuthorizeData>().Select(a => a.Policy).ToHashSet();
            var needsKey = policies.Contains(Security.Policies.Mutate) || policies.Contains(Security.Policies.Operator);
            var responses = operation.GetProperty("responses");
            var name = $"{method} {path}";

            Assert.True(needsKey == responses.TryGetProperty("401", out _), $"{name}: 401 documented iff a key is needed");
            var padlock = operation.TryGetProperty("security", out var security) && security.GetArrayLength() > 0;
            Assert.True(needsKey == padlock, $"{name}: padlock iff a key is needed");
            Assert.True(policies.Contains(Security.Policies.Operator) == responses.TryGetProperty("403", out _), $"{name}: 403 iff the operator role is needed");
            foreach (var response in responses.EnumerateObject().Where(r => int.Parse(r.Name, System.Globalization.CultureInfo.InvariantCulture) >= 400))
            {
                var content = response.Value.GetProperty("content");
                Assert.Equal(["application/problem+json"], content.EnumerateObject().Select(c => c.Name));
                var example = content.GetProperty("application/problem+json").GetProperty("example");
                Assert.Equal(int.Parse(response.Name, System.Globalization.CultureInfo.InvariantCulture), example.GetProperty("status").GetInt32());
            }
        }

        var switchResponses = paths.GetProperty("/migrator/src_first").GetProperty("post").GetProperty("responses");
        foreach (var status in new[] { "401", "403", "409", "503" })
        {
            Assert.True(switchResponses.TryGetProperty(status, out _), $"a pattern switch documents {status}");
        }

        Assert.Contains("X-Api-Key", switchResponses.GetProperty("401").GetProperty("content").GetProperty("application/problem+json")
            .GetProperty("example").GetProperty("detail").GetString(), StringComparison.Ordinal);

        foreach (var health in new[] { "/health", "/health/live", "/health/ready" })
        {
            var get = paths.GetProperty(health).GetProperty("get");
            Assert.False(get.TryGetProperty("security", out var open) && open.GetArrayLength() > 0, $"{health} is open");
            Assert.True(get.GetProperty("responses").TryGetProperty("200", out _) && get.GetProperty("responses").TryGetProperty("503", out _), health);
        }

        var schemas = root.GetProperty("components").GetProperty("schemas");
        string[] Enum(JsonElement schema) => [.. schema.GetProperty("enum").EnumerateArray().Select(v => v.GetString()!)];
        Assert.Equal(["incremental", "full"], Enum(schemas.GetProperty("RunDto").GetProperty("properties").GetProperty("kind")));
        Assert.Equal(["SRC", "DST"], Enum(schemas.GetProperty("RunDto").GetProperty("properties").GetProperty("baseSide")));
        Assert.Equal(["src_only", "src_first", "dst_first", "dst_only"], Enum(schemas.GetProperty("PatternSwitchDto").GetProperty("properties").GetProperty("pattern")));
        Assert.Equal(["src_only", "src_first", "dst_first", "dst_only"], Enum(schemas.GetProperty("PatternStateDto").GetProperty("properties").GetProperty("allowed").GetProperty("items")));
        var to = paths.GetProperty("/migrator/cutover").GetProperty("get").GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "to");
        Assert.Contains("dst_first", Enum(to.GetProperty("schema")));

        Assert.Equal(500, schemas.GetProperty("StartIncrCommand").GetProperty("example").GetProperty("interval").GetInt32());
        Assert.Equal("full", schemas.GetProperty("RunDto").GetProperty("example").GetProperty("kind").GetString());
        Assert.True(schemas.GetProperty("UserBody").TryGetProperty("example", out _), "a request example for users");
    }

    private static async Task<string?> DetailAsync(HttpResponseMessage response)
    {
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return problem.RootElement.TryGetProperty("detail", out var detail) ? detail.GetString() : null;
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

    [Theory]
    [InlineData("other-issuer", SigningKey, "The bearer token's issuer is not accepted.")]
    [InlineData("tests", "a-different-signing-key-of-32-bytes!!", "The bearer token's signature is not valid.")]
    public async Task Bearer_Refused_ChallengesBothSchemesAndSaysWhichCheckFailed(string issuer, string key, string detail)
    {
        var response = await Client(Token("operator", issuer, key)).PostAsync("/migrator/full/start", null, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.ToString() == "ApiKey header=\"X-Api-Key\"");
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(detail, problem.RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Mutation_WithoutCredentials_ChallengesApiKeyAndBearer()
    {
        var response = await _api.CreateAnonymousClient().PostAsync("/migrator/full/start", null, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(["ApiKey", "Bearer"], response.Headers.WwwAuthenticate.Select(h => h.Scheme).Order());
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Contains("bearer token", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SwaggerDocument_WithJwt_OffersBearerBesideTheApiKey()
    {
        using var doc = JsonDocument.Parse(await _api.CreateClient().GetStringAsync("/swagger/v1/swagger.json", TestContext.Current.CancellationToken));

        var security = doc.RootElement.GetProperty("paths").GetProperty("/migrator/full/start").GetProperty("post").GetProperty("security");
        var schemes = security.EnumerateArray().SelectMany(r => r.EnumerateObject().Select(p => p.Name)).Order();
        Assert.Equal(["ApiKey", "Bearer"], schemes);
    }

    [Fact]
    public async Task ApiKey_StillWorksBesideJwt()
    {
        var response = await _api.CreateClient().PostAsync("/migrator/full/start", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }
}
