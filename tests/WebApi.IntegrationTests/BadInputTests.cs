using System.Net;
using System.Text;
using System.Text.Json;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>Every malformed start request gets a 400 ProblemDetails naming the field, and starts nothing.</summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private readonly MigrationApi _api = new(new SqliteTestDatabases(), seedRows: 100);

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _api.DisposeAsync();

    public static TheoryData<string, string> BadBodies() => new()
    {
        { "", "body" },
        { "not json", "body" },
        { "[1, 2]", "body" },
        { "null", "body" },
        { "{}", "utime" },
        { """{"interval": 500}""", "utime" },
        { """{"utime": 0}""", "interval" },
        { """{"utime": "0", "interval": 500}""", "utime" },
        { """{"utime": 1.5, "interval": 500}""", "utime" },
        { """{"utime": 1e40, "interval": 500}""", "utime" },
        { """{"utime": 99999999999999999999, "interval": 500}""", "utime" },
        { """{"utime": -1, "interval": 500}""", "utime" },
        { """{"utime": 99999999999999, "interval": 500}""", "utime" },
        { """{"utime": null, "interval": 500}""", "utime" },
        { """{"utime": 0, "interval": 0}""", "interval" },
        { """{"utime": 0, "interval": -10}""", "interval" },
        { """{"utime": 0, "interval": 3600001}""", "interval" },
        { """{"utime": 0, "interval": true}""", "interval" },
        { """{"utime": 0, "interval": {"ms": 5}}""", "interval" },
        { """{"utime": 0, "interval": 500, "intervall": 500}""", "intervall" },
        { """{"utime": 0, "interval": 500""", "body" },
        { """{"utime": 0, "interval": 500, "maxRowsPerSecond": -1}""", "maxRowsPerSecond" },
        { """{"utime": 0, "interval": 500, "resume": "yes"}""", "resume" },
        { """{"utime": 0, "interval": 500, "sweepMaxRowsPerSecond": -1}""", "sweepMaxRowsPerSecond" },
        { """{"utime": 0, "interval": 500, "sweepMaxRowsPerSecond": "fast"}""", "sweepMaxRowsPerSecond" },
        { """{"interval": 500, "resume": true, "sweepMaxRowsPerSecond": 10}""", "sweepMaxRowsPerSecond" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task IncrStart_BadBody_Returns400NamingTheField(string body, string field)
    {
        var response = await _api.CreateClient().PostAsync(
            "/migrator/incr/start", new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        await AssertFieldProblemAsync(response, "/migrator/incr/start", field);
        Assert.Null((await _api.StatusAsync()).Incremental);
    }

    [Theory]
    [InlineData("limit=abc", "limit")]
    [InlineData("limit=1&limit=2", "limit")]
    [InlineData("limit=0", "limit")]
    [InlineData("type=NEQ", "type")]
    public async Task Inconsistencies_BadQuery_Returns400NamingTheParameter(string query, string field) =>
        await AssertFieldProblemAsync(
            await _api.CreateClient().GetAsync($"/migrator/inconsistencies?{query}", TestContext.Current.CancellationToken), "/migrator/inconsistencies", field);

    /// <summary>
    /// A 400 has one shape whoever found the fault (the body's binding, a repeated query value, a validator): type,
    /// title, status, the path as instance, a trace id, and errors naming the field.
    /// </summary>
    private static async Task AssertFieldProblemAsync(HttpResponseMessage response, string path, string field)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var root = problem.RootElement;
        Assert.Equal(400, root.GetProperty("status").GetInt32());
        Assert.Equal("https://tools.ietf.org/html/rfc9110#section-15.5.1", root.GetProperty("type").GetString());
        Assert.Equal("One or more fields are invalid.", root.GetProperty("title").GetString());
        Assert.Equal(path, root.GetProperty("instance").GetString());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("traceId").GetString()), root.ToString());
        var errors = root.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var messages), $"errors should name '{field}': {errors}");
        Assert.Contains(messages.EnumerateArray(), m => !string.IsNullOrWhiteSpace(m.GetString()));
    }

    [Theory]
    [InlineData("""{"maxRowsPerSecond": -5}""", "maxRowsPerSecond")]
    [InlineData("""{"resume": 1}""", "resume")]
    [InlineData("""{"utime": 0}""", "utime")]
    [InlineData("[]", "body")]
    public async Task FullStart_BadBody_Returns400NamingTheField(string body, string field)
    {
        var response = await _api.CreateClient().PostAsync(
            "/migrator/full/start", new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        await AssertFieldProblemAsync(response, "/migrator/full/start", field);
        Assert.Null((await _api.StatusAsync()).Full);
    }

    [Fact]
    public async Task FullStart_WithoutBody_Starts()
    {
        var response = await _api.CreateClient().PostAsync("/migrator/full/start", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task IncrStart_WrongContentType_Returns415ProblemDetails()
    {
        var response = await _api.CreateClient().PostAsync(
            "/migrator/incr/start", new StringContent("""{"utime":0,"interval":500}""", Encoding.UTF8, "text/plain"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(
            "The body must be application/json (UTF-8); the request sent Content-Type: text/plain; charset=utf-8.",
            await DetailAsync(response));
        Assert.Null((await _api.StatusAsync()).Incremental);
    }

    [Fact]
    public async Task IncrStart_Utf16Charset_Returns415ProblemDetails()
    {
        // An odd byte count once made the UTF-16 decoder throw past the JSON formatter: a 500.
        var body = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"utime":0,"interval":5000}"""));
        body.Headers.TryAddWithoutValidation("Content-Type", "application/json; charset=utf-16");

        var response = await _api.CreateClient().PostAsync("/migrator/incr/start", body, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("must be application/json (UTF-8)", await DetailAsync(response), StringComparison.Ordinal);
        Assert.Null((await _api.StatusAsync()).Incremental);
    }

    [Fact]
    public async Task FullStart_PlainTextBody_Returns415NamingJson()
    {
        // No [Consumes] here (the body is optional): the JSON input formatter refuses it.
        var response = await _api.CreateClient().PostAsync(
            "/migrator/full/start", new StringContent("resume", Encoding.UTF8, "text/plain"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("must be application/json", await DetailAsync(response), StringComparison.Ordinal);
        Assert.Null((await _api.StatusAsync()).Full);
    }

    private static async Task<string?> DetailAsync(HttpResponseMessage response)
    {
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return problem.RootElement.TryGetProperty("detail", out var detail) ? detail.GetString() : null;
    }

    [Fact]
    public async Task IncrStart_ValidJsonOfTwoMegabytes_Returns413AndStartsNothing()
    {
        var body = "{" + new string(' ', 2 * 1024 * 1024) + "\"utime\": 0, \"interval\": 500}";

        var response = await _api.CreateClient().PostAsync(
            "/migrator/incr/start", new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Null((await _api.StatusAsync()).Incremental);
    }

    [Fact]
    public async Task UnknownRoute_Returns404ProblemDetails()
    {
        var response = await _api.CreateClient().PostAsync("/migrator/incr/restart", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Health_BothSidesReachable_Returns200()
    {
        var response = await _api.CreateClient().GetAsync("/health", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task SwaggerDocument_ListsEveryControlEndpointWithItsStatusCodes()
    {
        var json = await _api.CreateClient().GetStringAsync("/swagger/v1/swagger.json", TestContext.Current.CancellationToken);
        using var doc = JsonDocument.Parse(json);
        var paths = doc.RootElement.GetProperty("paths");
        foreach (var path in new[] { "/migrator/incr/start", "/migrator/incr/stop", "/migrator/full/start", "/migrator/full/stop", "/migrator/status" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"swagger lacks {path}");
        }

        var start = paths.GetProperty("/migrator/incr/start").GetProperty("post").GetProperty("responses");
        Assert.True(start.TryGetProperty("202", out _));
        Assert.True(start.TryGetProperty("400", out _));
        Assert.Contains("\"interval\": 500", json.Replace("\"interval\":500", "\"interval\": 500", StringComparison.Ordinal), StringComparison.Ordinal);
    }
}
