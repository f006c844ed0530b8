using System.Net;
using System.Text.Json;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>A query parameter given twice is refused on every endpoint, whichever value comes first.</summary>
public sealed class RepeatedQueryValueTests : IAsyncLifetime
{
    private readonly MigrationApi _api = new(new SqliteTestDatabases(), seedRows: 50);
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _api.DisposeAsync();

    [Theory]
    [InlineData("force=true&force=false")]
    [InlineData("force=false&force=true")]
    [InlineData("force=true&force=true")]
    public async Task Switch_ForceGivenTwice_Returns400NamingForceAndSwitchesNothing(string query)
    {
        // A jump from src_only straight to dst_only is legal only when forced.
        var response = await _api.CreateClient().PostAsync($"/migrator/dst_only?{query}", null, _ct);

        await AssertNamesAsync(response, "force");
        Assert.Equal(("src_only", 1L), ((await _api.PatternAsync()).Pattern, (await _api.PatternAsync()).Version));
    }

    [Fact]
    public async Task ListUsers_LimitGivenTwice_Returns400NamingLimit()
    {
        var response = await _api.CreateClient().GetAsync("/api/users?limit=5&afterId=0&limit=6", _ct);

        await AssertNamesAsync(response, "limit");
    }

    private async Task AssertNamesAsync(HttpResponseMessage response, string parameter)
    {
        var body = await response.Content.ReadAsStringAsync(_ct);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = JsonDocument.Parse(body).RootElement.GetProperty("errors");
        Assert.Equal([parameter], errors.EnumerateObject().Select(e => e.Name));
    }
}
