using System.Net;
using System.Text;
using System.Text.Json;
using Migration.Domain;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>Values the <c>users</c> columns would store but no client should send: a 400 naming the field, nothing written.</summary>
public sealed class UserFieldRuleTests : IAsyncLifetime
{
    private readonly MigrationApi _api = new(new SqliteTestDatabases(), seedRows: 50, new Dictionary<string, string?> { ["Migration:Pattern"] = "src_first" });

    public ValueTask InitializeAsync()
    {
        _ = _api.Server;
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => _api.DisposeAsync();

    [Theory]
    [InlineData("POST", "/api/users", """{"name": "A", "email": "a@example.com", "age": 1, "balance": -1}""", "balance")]
    [InlineData("PUT", "/api/users/5", """{"name": "A", "email": "a@example.com", "age": 1, "balance": -0.01}""", "balance")]
    [InlineData("POST", "/api/users", """{"name": "A\u0000B", "email": "a@example.com", "age": 1, "balance": 0}""", "name")]
    [InlineData("PUT", "/api/users/5", """{"name": "\u0000", "email": "a@example.com", "age": 1, "balance": 0}""", "name")]
    [InlineData("POST", "/api/users", """{"name": "A\nB", "email": "a@example.com", "age": 1, "balance": 0}""", "name")]
    [InlineData("POST", "/api/users", """{"name": "A", "email": "a\u0000@example.com", "age": 1, "balance": 0}""", "email")]
    public async Task Write_NegativeBalanceOrControlCharacter_Returns400NamingTheFieldAndWritesNothing(string method, string path, string body, string field)
    {
        var (source, target) = (await _api.Databases.ReadAllAsync(Direction.Src), await _api.Databases.ReadAllAsync(Direction.Dst));
        var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

        var response = await _api.CreateClient().SendAsync(request, TestContext.Current.CancellationToken);

        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        var errors = JsonDocument.Parse(text).RootElement.GetProperty("errors");
        Assert.Equal([field], errors.EnumerateObject().Select(e => e.Name));
        Assert.Equal(source, await _api.Databases.ReadAllAsync(Direction.Src));
        Assert.Equal(target, await _api.Databases.ReadAllAsync(Direction.Dst));
    }

    [Fact]
    public async Task Create_ZeroBalanceAndUnicodeName_IsAccepted()
    {
        var response = await _api.CreateClient().PostAsync("/api/users", new StringContent(
            """{"name": "Zoë Ōkubo", "email": "zoe@example.com", "age": 1, "balance": 0}""", Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }
}
