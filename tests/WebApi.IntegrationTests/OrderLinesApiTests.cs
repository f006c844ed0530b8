using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Migration.Domain;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>The order lines API's contract: bad input is a 400 naming the field and writes nothing, an unknown line a 404.</summary>
public sealed class OrderLinesApiTests : IAsyncLifetime
{
    private readonly LogCollector _logs = new();
    private readonly MigrationApi _api;

    public OrderLinesApiTests() =>
        _api = new(new SqliteTestDatabases(), seedRows: 100, new Dictionary<string, string?> { ["Migration:Pattern"] = "src_first" },
            services: s => s.AddSingleton<ILoggerProvider>(_logs));

    public ValueTask InitializeAsync()
    {
        _ = _api.Server; // schema in place before the test reads the sides
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _api.DisposeAsync();
        await _api.Databases.DisposeAsync();
    }

    public static TheoryData<string, string, string, string> BadRequests() => new()
    {
        { "PUT", "/api/orders/1/lines/1", "{}", "sku" },
        { "PUT", "/api/orders/1/lines/1", """{"qty": 1, "price": 1}""", "sku" },
        { "PUT", "/api/orders/1/lines/1", """{"sku": "", "qty": 1, "price": 1}""", "sku" },
        { "PUT", "/api/orders/1/lines/1", $$"""{"sku": "{{new string('x', 41)}}", "qty": 1, "price": 1}""", "sku" },
        { "PUT", "/api/orders/1/lines/1", """{"sku": "A\u0000B", "qty": 1, "price": 1}""", "sku" },
        { "PUT", "/api/orders/1/lines/1", """{"sku": "A", "price": 1}""", "qty" },
        { "PUT", "/api/orders/1/lines/1", """{"sku": "A", "qty": 0, "price": 1}""", "qty" },
        { "PUT", "/api/orders/1/lines/1", """{"sku": "A", "qty": "many", "price": 1}""", "qty" },
        { "PUT", "/api/orders/1/lines/1", """{"sku": "A", "qty": 1}""", "price" },
        { "PUT", "/api/orders/1/lines/1", """{"sku": "A", "qty": 1, "price": -0.01}""", "price" },
        { "PUT", "/api/orders/1/lines/1", """{"sku": "A", "qty": 1, "price": 0.001}""", "price" },
        { "PUT", "/api/orders/1/lines/1", """{"sku": "A", "qty": 1, "price": 12345678901}""", "price" },
        { "PUT", "/api/orders/0/lines/1", """{"sku": "A", "qty": 1, "price": 1}""", "orderId" },
        { "PUT", "/api/orders/1/lines/-1", """{"sku": "A", "qty": 1, "price": 1}""", "lineNo" },
        { "GET", "/api/orders/-5/lines/1", "", "orderId" },
        { "DELETE", "/api/orders/1/lines/0", "", "lineNo" },
        { "GET", "/api/orders/0/lines", "", "orderId" },
        { "GET", "/api/orders/1/lines?limit=0", "", "limit" },
        { "GET", "/api/orders/1/lines?limit=1001", "", "limit" },
        { "GET", "/api/orders/1/lines?afterLineNo=-1", "", "afterLineNo" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Request_BadInput_Returns400NamingTheFieldAndWritesNothing(string method, string path, string body, string field)
    {
        var before = await _api.Databases.ReadAllByKeyAsync(Direction.Src, "order_lines", "order_id", "line_no");
        var request = new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = method == "PUT" ? new StringContent(body, Encoding.UTF8, "application/json") : null,
        };

        var response = await _api.CreateClient().SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), problem.RootElement.ToString());
        Assert.Equal(before, await _api.Databases.ReadAllByKeyAsync(Direction.Src, "order_lines", "order_id", "line_no"));
        Assert.Empty(await _api.Databases.ReadAllByKeyAsync(Direction.Dst, "order_lines", "order_id", "line_no"));
    }

    [Theory]
    [InlineData("GET", "/api/orders/1/lines/99")]
    [InlineData("DELETE", "/api/orders/1/lines/99")]
    [InlineData("GET", "/api/orders/not-a-number/lines/1")]
    [InlineData("GET", "/api/orders/1/lines/99999999999")]
    public async Task UnknownLine_Returns404ProblemDetails(string method, string path)
    {
        var response = await _api.CreateClient().SendAsync(new HttpRequestMessage(new HttpMethod(method), path), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task List_AnOrderWithoutLines_IsAnEmptyPage()
    {
        using var page = JsonDocument.Parse(await _api.CreateClient().GetStringAsync("/api/orders/77/lines", TestContext.Current.CancellationToken));

        Assert.Equal(0, page.RootElement.GetProperty("items").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, page.RootElement.GetProperty("nextAfterLineNo").ValueKind);
    }

    [Fact]
    public async Task Put_TableNotInMigrationTables_IsWrittenAndWarnsThatValidationDoesNotCoverIt()
    {
        // The default configuration validates users only.
        var response = await _api.CreateClient().PutAsync("/api/orders/4/lines/1",
            new StringContent("""{"sku": "A", "qty": 1, "price": 1}""", Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(
            (await _api.Databases.ReadAllByKeyAsync(Direction.Src, "order_lines", "order_id", "line_no"))["4|1"],
            (await _api.Databases.ReadAllByKeyAsync(Direction.Dst, "order_lines", "order_id", "line_no"))["4|1"]);
        var warning = Assert.Single(_logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("not in Migration:Tables", StringComparison.Ordinal));
        Assert.Equal("order_lines", warning.Values["Table"]);
    }

    [Fact]
    public async Task SwaggerDocument_ListsTheOrderLinesEndpointsWithTheirStatusCodes()
    {
        using var doc = JsonDocument.Parse(await _api.CreateClient().GetStringAsync("/swagger/v1/swagger.json", TestContext.Current.CancellationToken));
        var paths = doc.RootElement.GetProperty("paths");

        var line = paths.GetProperty("/api/orders/{orderId}/lines/{lineNo}");
        Assert.True(paths.TryGetProperty("/api/orders/{orderId}/lines", out _));
        var put = line.GetProperty("put").GetProperty("responses");
        Assert.All(new[] { "200", "201", "400", "409", "503" }, code => Assert.True(put.TryGetProperty(code, out _), $"PUT lacks {code}"));
        Assert.True(line.GetProperty("delete").GetProperty("responses").TryGetProperty("404", out _));
    }
}
