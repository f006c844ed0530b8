using System.Net;
using System.Text;
using System.Text.Json;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>Every malformed users request gets a ProblemDetails naming the field, and writes nothing.</summary>
public sealed class UsersBadInputTests : IAsyncLifetime
{
    private readonly MigrationApi _api = new(new SqliteTestDatabases(), seedRows: 100, new Dictionary<string, string?> { ["Migration:Pattern"] = "src_first" });

    public ValueTask InitializeAsync()
    {
        _ = _api.Server; // schema and seed in place before the test reads the sides
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _api.DisposeAsync();
        await _api.Databases.DisposeAsync();
    }

    public static TheoryData<string, string, string> BadWrites() => new()
    {
        { "POST", "/api/users", "{}" },
        { "POST", "/api/users", """{"name": "", "email": "a@example.com", "age": 1, "balance": 0}""" },
        { "POST", "/api/users", """{"name": "A", "email": "not an address", "age": 1, "balance": 0}""" },
        { "POST", "/api/users", """{"name": "A", "email": "a@example.com", "age": 151, "balance": 0}""" },
        { "POST", "/api/users", """{"name": "A", "email": "a@example.com", "age": 1, "balance": 0.001}""" },
        { "POST", "/api/users", """{"name": "A", "email": "a@example.com", "age": 1, "balance": 12345678901}""" },
        { "POST", "/api/users", """{"name": "A", "email": "a@example.com", "age": "one", "balance": 0}""" },
        { "POST", "/api/users", """{"name": "A", "email": "a@example.com", "age": 1, "balance": 0, "id": 5}""" },
        { "PUT", "/api/users/5", """{"name": "A", "email": "a@example.com", "age": 1}""" },
        { "POST", "/api/users/transfers", """{"from": 5, "to": 5, "amount": 1}""" },
        { "POST", "/api/users/transfers", """{"from": 5, "to": 6, "amount": 0}""" },
        { "POST", "/api/users/transfers", """{"to": 6, "amount": 1}""" },
    };

    [Theory]
    [MemberData(nameof(BadWrites))]
    public async Task Write_BadBody_Returns400NamingAFieldAndWritesNothing(string method, string path, string body)
    {
        var source = await _api.Databases.ReadAllAsync(Migration.Domain.Direction.Src);
        var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

        var response = await _api.CreateClient().SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var errors = problem.RootElement.GetProperty("errors");
        Assert.NotEmpty(errors.EnumerateObject());
        Assert.All(errors.EnumerateObject(), e => Assert.NotEqual("body", e.Name));
        Assert.Equal(source, await _api.Databases.ReadAllAsync(Migration.Domain.Direction.Src));
    }

    [Theory]
    [InlineData("GET", "/api/users/99999")]
    [InlineData("PUT", "/api/users/99999")]
    [InlineData("DELETE", "/api/users/99999")]
    [InlineData("GET", "/api/users/not-a-number")]
    public async Task UnknownUser_Returns404ProblemDetails(string method, string path)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = method == "PUT" ? new StringContent("""{"name":"A","email":"a@example.com","age":1,"balance":0}""", Encoding.UTF8, "application/json") : null,
        };

        var response = await _api.CreateClient().SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=1001", "limit")]
    [InlineData("limit=abc", "limit")]
    [InlineData("afterId=-1", "afterId")]
    public async Task List_BadQuery_Returns400NamingTheParameter(string query, string field)
    {
        var response = await _api.CreateClient().GetAsync($"/api/users?{query}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), problem.RootElement.ToString());
    }

    [Fact]
    public async Task List_PagesByIdFromThePrimary()
    {
        var client = _api.CreateClient();
        var first = JsonDocument.Parse(await client.GetStringAsync("/api/users?limit=40", TestContext.Current.CancellationToken)).RootElement;
        var next = first.GetProperty("nextAfterId").GetInt64();
        var second = JsonDocument.Parse(await client.GetStringAsync($"/api/users?afterId={next}&limit=1000", TestContext.Current.CancellationToken)).RootElement;

        Assert.Equal(40, first.GetProperty("items").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, second.GetProperty("nextAfterId").ValueKind);
        var ids = first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray()).Select(u => u.GetProperty("id").GetInt64()).ToList();
        Assert.Equal((await _api.Databases.ReadAllAsync(Migration.Domain.Direction.Src)).Keys.Order(), ids);
    }

    [Fact]
    public async Task SwaggerDocument_ListsThePatternAndUsersEndpoints()
    {
        using var doc = JsonDocument.Parse(await _api.CreateClient().GetStringAsync("/swagger/v1/swagger.json", TestContext.Current.CancellationToken));
        var paths = doc.RootElement.GetProperty("paths");
        foreach (var path in new[] { "/migrator/src_only", "/migrator/src_first", "/migrator/dst_first", "/migrator/dst_only", "/migrator/pattern", "/api/users", "/api/users/{id}", "/api/users/transfers" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"swagger lacks {path}");
        }

        Assert.True(paths.GetProperty("/migrator/dst_first").GetProperty("post").GetProperty("responses").TryGetProperty("409", out _));
    }
}
