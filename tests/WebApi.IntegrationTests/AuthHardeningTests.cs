using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>
/// API keys and bearer tokens at their edges: several keys in one request, refused requests in the log and the
/// metrics, and how long an expired token is still accepted.
/// </summary>
public sealed class AuthHardeningTests
{
    private const string SigningKey = "test-signing-key-with-at-least-32-bytes!";
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(MigrationApi.OperatorKey, "not-a-key")]
    [InlineData("not-a-key", MigrationApi.OperatorKey)]
    [InlineData(MigrationApi.OperatorKey, MigrationApi.OperatorKey)]
    [InlineData(MigrationApi.OperatorKey, MigrationApi.ViewerKey)]
    public async Task Mutation_WithTwoApiKeyHeaders_Returns401AndStartsNothing(string first, string second)
    {
        await using var api = new MigrationApi(new SqliteTestDatabases(), seedRows: 20);
        var client = api.CreateAnonymousClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/migrator/full/start");
        request.Headers.Add("X-Api-Key", [first, second]);

        var response = await client.SendAsync(request, _ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Null((await api.StatusAsync()).Full);
    }

    [Fact]
    public async Task RefusedRequests_LogNothingAboveDebug_AndAreCountedInTheMetrics()
    {
        var logs = new LogCollector();
        await using var api = new MigrationApi(new SqliteTestDatabases(), seedRows: 20,
            new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Debug" }, services: s => s.AddSingleton<ILoggerProvider>(logs));
        _ = api.Server;
        var before = logs.Entries.Count;

        var anonymous = await api.CreateAnonymousClient().PostAsync("/migrator/full/stop", null, _ct);
        var wrongKey = api.CreateAnonymousClient();
        wrongKey.DefaultRequestHeaders.Add("X-Api-Key", "not-a-key");
        var wrong = await wrongKey.PostAsync("/migrator/full/stop", null, _ct);
        using var twoKeys = new HttpRequestMessage(HttpMethod.Post, "/migrator/full/stop");
        twoKeys.Headers.Add("X-Api-Key", [MigrationApi.ViewerKey, MigrationApi.ViewerKey]);
        var two = await api.CreateAnonymousClient().SendAsync(twoKeys, _ct);
        var viewer = api.CreateAnonymousClient();
        viewer.DefaultRequestHeaders.Add("X-Api-Key", MigrationApi.ViewerKey);
        var forbidden = await viewer.PostAsync("/migrator/src_first", null, _ct);

        Assert.Equal(
            [HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden],
            new[] { anonymous.StatusCode, wrong.StatusCode, two.StatusCode, forbidden.StatusCode });
        var authentication = logs.Entries.Skip(before).Where(e => e.Category.Contains("Auth", StringComparison.Ordinal)).ToList();
        Assert.All(authentication, e => Assert.True(e.Level <= LogLevel.Debug, $"{e.Level} {e.Category}: {e.Message}"));
        Assert.Contains(authentication, e => e.Category.EndsWith(".ApiKeyAuthenticationHandler", StringComparison.Ordinal) && e.Level == LogLevel.Debug);

        await Eventually.HoldsAsync(async () =>
        {
            var metrics = await api.CreateAnonymousClient().GetStringAsync("/metrics", _ct);
            return Rejected(metrics, api.InstanceId, "401", "missing") == 1 && Rejected(metrics, api.InstanceId, "401", "invalid") == 2
                && Rejected(metrics, api.InstanceId, "403", "forbidden") == 1;
        }, "migration_auth_rejected_total counting 1 missing, 2 invalid and 1 forbidden");
    }

    [Theory]
    [InlineData(null, -120, HttpStatusCode.Unauthorized)] // past the default 30 s
    [InlineData(null, -10, HttpStatusCode.Accepted)]
    [InlineData("300", -120, HttpStatusCode.Accepted)]
    [InlineData("0", -10, HttpStatusCode.Unauthorized)]
    public async Task Bearer_ExpiredSomeSecondsAgo_IsAcceptedOnlyWithinTheConfiguredClockSkew(string? skewSeconds, int expiresInSeconds, HttpStatusCode expected)
    {
        var settings = new Dictionary<string, string?> { ["Auth:Jwt:SigningKey"] = SigningKey };
        if (skewSeconds is not null)
        {
            settings["Auth:Jwt:ClockSkewSeconds"] = skewSeconds;
        }

        await using var api = new MigrationApi(new SqliteTestDatabases(), seedRows: 20, settings);
        var now = TimeProvider.System.GetUtcNow().UtcDateTime;
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object> { ["sub"] = "platform" },
            IssuedAt = now.AddMinutes(-10),
            NotBefore = now.AddMinutes(-10),
            Expires = now.AddSeconds(expiresInSeconds),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(SigningKey)), SecurityAlgorithms.HmacSha256),
        });
        var client = api.CreateAnonymousClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);

        var response = await client.PostAsync("/migrator/full/start", null, _ct);

        Assert.Equal(expected, response.StatusCode);
    }

    /// <summary>The counter's value for the status and reason, 0 when absent.</summary>
    private static long Rejected(string metrics, string instance, string status, string reason) => metrics.Split('\n')
        .Where(line => line.StartsWith("migration_auth_rejected_total{", StringComparison.Ordinal)
            && line.Contains($"migration_instance=\"{instance}\"", StringComparison.Ordinal)
            && line.Contains($"reason=\"{reason}\"", StringComparison.Ordinal) && line.Contains($"status=\"{status}\"", StringComparison.Ordinal))
        .Select(line => long.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture))
        .SingleOrDefault();
}
