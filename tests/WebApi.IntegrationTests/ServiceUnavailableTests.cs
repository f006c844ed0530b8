using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Migration.Domain;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>A 503 tells the caller what failed and a trace id; the database's own words go only to the log, under that id.</summary>
public sealed class ServiceUnavailableTests
{
    private const string DatabaseText = "no such table";
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task WriteAndRead_PrimaryTableGone_503BodyHasTraceIdButNoDatabaseText_AndTheLogHasBoth()
    {
        var logs = new LogCollector();
        await using var api = new MigrationApi(new SqliteTestDatabases(), 50, new Dictionary<string, string?> { ["Migration:Pattern"] = "src_first" },
            services: s => s.AddSingleton<ILoggerProvider>(logs));
        var client = api.CreateClient();
        _ = api.Server;
        await api.Databases.ExecuteAsync(Direction.Src, "ALTER TABLE users RENAME TO users_away");

        var write = await client.PostAsJsonAsync("/api/users", new { name = "Never", email = "never@example.com", age = 1, balance = 0m }, _ct);
        var read = await client.GetAsync("/api/users/7", _ct);

        foreach (var response in new[] { write, read })
        {
            var body = await response.Content.ReadAsStringAsync(_ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.DoesNotContain(DatabaseText, body, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("users_away", body, StringComparison.Ordinal);
            var problem = JsonDocument.Parse(body).RootElement;
            Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
            var traceId = problem.GetProperty("traceId").GetString()!;
            Assert.Contains(logs.Entries, e => Equals(e.Values.GetValueOrDefault("TraceId"), traceId)
                && e.Message.Contains(DatabaseText, StringComparison.OrdinalIgnoreCase));
        }

        // The write's body still says which side failed and that nothing was written.
        var written = JsonDocument.Parse(await write.Content.ReadAsStringAsync(_ct)).RootElement;
        Assert.Equal(("SRC", false), (written.GetProperty("side").GetString(), written.GetProperty("primaryCommitted").GetBoolean()));
    }
}
