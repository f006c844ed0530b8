using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using Migration.Infrastructure.Data;
using Migration.WebApi.IntegrationTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Migration.WebApi.IntegrationTests;

/// <summary>
/// The dashboard at <c>/</c> in a real browser (Debian's chromium through Playwright) against the service on a real
/// socket: what an operator sees and does, waited for on the page itself, never with sleeps.
/// </summary>
public sealed partial class DashboardTests
{
    /// <summary>Set to a file path to keep the screenshot of the finished run (docs/dashboard.png is made this way).</summary>
    private const string ScreenshotVariable = "MIGRATION_DASHBOARD_SCREENSHOT";

    private static readonly LocatorAssertionsToHaveTextOptions _slow = new() { Timeout = 30_000 };

    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Dashboard_FullRunThenSwitch_ShowsProgressDifferencesAndTheNewPattern()
    {
        // The screenshot for the docs shows the service's own demo size; the test's run is smaller, to stay fast.
        var screenshot = Environment.GetEnvironmentVariable(ScreenshotVariable);
        var seedRows = string.IsNullOrEmpty(screenshot) ? 3_000 : 50_000;
        await using var api = new MigrationApi(new SqliteTestDatabases(), seedRows);
        var address = api.StartOnKestrel();
        await using var browser = await DashboardBrowser.LaunchAsync();
        var page = await browser.NewPageAsync();

        await page.GotoAsync(address.ToString());
        await Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "live");
        await Expect(page.Locator("#pattern-current")).ToHaveTextAsync("src_only");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Start full run" })).ToBeDisabledAsync();

        await page.GetByLabel("API key").FillAsync(MigrationApi.OperatorKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Use key" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Forget key" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Start full run" }).ClickAsync();

        // The run's bar reaches 100 % and its counts reach the drift the demo seed planted.
        var fullRun = page.Locator("#full-run");
        await Expect(fullRun.GetByRole(AriaRole.Progressbar)).ToHaveAttributeAsync("aria-valuenow", "100", new() { Timeout = 30_000 });
        await Expect(page.Locator("#full-status")).ToHaveTextAsync("completed");
        var planted = new Dictionary<string, long[]>
        {
            ["target_missing"] = DemoDrift.TargetMissing(seedRows).ToArray(),
            ["neq"] = DemoDrift.Changed(seedRows).ToArray(),
            ["base_missing"] = DemoDrift.BaseMissing(seedRows).ToArray(),
        };
        foreach (var (type, ids) in planted)
        {
            await Expect(page.Locator($"#full-count-{type}")).ToHaveTextAsync(ids.Length.ToString("N0", CultureInfo.GetCultureInfo("en-US")), _slow);
        }

        // The differences themselves: listed row by row where the service lists them, else counted with a note.
        var list = await api.CreateClient().GetAsync("/migrator/inconsistencies?limit=50", _ct);
        if (list.StatusCode == HttpStatusCode.OK)
        {
            foreach (var (type, ids) in planted)
            {
                foreach (var id in ids.Take(50 / planted.Count))
                {
                    var key = page.Locator("td.key", new() { HasTextRegex = new Regex($@"(^|\D){id}(\D|$)") });
                    await Expect(page.Locator($"#diff-list tbody tr[data-type='{type}']", new() { Has = key }).First).ToBeVisibleAsync();
                }
            }
        }
        else
        {
            Assert.Equal(HttpStatusCode.NotFound, list.StatusCode);
            await Expect(page.Locator("#diff-body")).ToContainTextAsync("does not list single differences yet");
            await Expect(page.Locator("#diff-summary [data-type='neq']")).ToContainTextAsync($"Full run: {planted["neq"].Length}");
        }

        // An incremental run started from the page, so the picture shows one running.
        await page.GetByRole(AriaRole.Button, new() { Name = "Start incremental run" }).ClickAsync();
        await Expect(page.Locator("#incr-status")).ToHaveTextAsync("running");
        await Expect(page.Locator("#runs-feedback")).ToContainTextAsync("Incremental run started from utime 0");
        await Expect(page.Locator("#incr-run .progress-text")).Not.ToHaveTextAsync(new Regex("^0 rows checked"), _slow);
        await page.ScreenshotAsync(new() { Path = Path.Combine(AppContext.BaseDirectory, "dashboard.png"), FullPage = true });
        if (!string.IsNullOrEmpty(screenshot))
        {
            File.Copy(Path.Combine(AppContext.BaseDirectory, "dashboard.png"), screenshot, overwrite: true);
        }

        // One step forward: the page shows the new pattern, its moves, and that the next step needs a new full run.
        await page.GetByRole(AriaRole.Button, new() { Name = "Switch to src_first" }).ClickAsync();
        await Expect(page.Locator("#pattern-current")).ToHaveTextAsync("src_first");
        await Expect(page.Locator("#pattern-steps li[aria-current='step']")).ToContainTextAsync("src_first");
        await Expect(page.Locator("#pattern-feedback")).ToContainTextAsync("Switched from src_only to src_first");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Switch to src_only" })).ToBeVisibleAsync();
        await Expect(page.Locator("#ready-dst_first")).ToContainTextAsync("Not ready");
        Assert.Equal("src_first", (await api.PatternAsync()).Pattern);

        // A refused switch shows the service's reasons; forcing it needs the pattern's name typed in a dialog.
        await page.GetByRole(AriaRole.Button, new() { Name = "Switch to dst_first" }).ClickAsync();
        await Expect(page.Locator("#pattern-feedback")).ToContainTextAsync("(409");
        await Expect(page.Locator("#pattern-feedback li").First).ToContainTextAsync("full validation");
        Assert.Equal("src_first", (await api.PatternAsync()).Pattern);
        await page.GetByRole(AriaRole.Button, new() { Name = "Force switch to dst_first" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Force the switch?" });
        await Expect(dialog.GetByRole(AriaRole.Button, new() { Name = "Force switch" })).ToBeDisabledAsync();
        await dialog.GetByLabel("Type dst_first to confirm").FillAsync("dst_first");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Force switch" }).ClickAsync();
        await Expect(page.Locator("#pattern-current")).ToHaveTextAsync("dst_first");
        await Expect(page.Locator("#pattern-feedback")).ToContainTextAsync("forced");

        Assert.Empty(browser.Errors);
    }

    [Fact]
    public async Task Dashboard_RefusedKeys_SayWhyAndTheServiceGoingAway_IsShown()
    {
        var api = new MigrationApi(new SqliteTestDatabases(), seedRows: 20);
        try
        {
            var address = api.StartOnKestrel();
            await using var browser = await DashboardBrowser.LaunchAsync(width: 375, height: 800);
            var page = await browser.NewPageAsync();
            await page.GotoAsync(address.ToString());
            await Expect(page.Locator("#pattern-current")).ToHaveTextAsync("src_only");

            // A key the service does not know: the action says 401, the key is dropped and asked for again.
            await page.GetByLabel("API key").FillAsync("not-a-key-of-this-service");
            await page.GetByRole(AriaRole.Button, new() { Name = "Use key" }).ClickAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Start full run" }).ClickAsync();
            await Expect(page.Locator("#runs-feedback")).ToContainTextAsync("refused the API key (401)");
            await Expect(page.Locator("#key-hint")).ToContainTextAsync("refused that key (401 Unauthorized)");
            await Expect(page.GetByLabel("API key")).ToBeVisibleAsync();
            Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('migration.apiKey')"));

            // A valid key without the operator role: a switch says 403 and why; the pattern stays.
            await page.GetByLabel("API key").FillAsync(MigrationApi.ViewerKey);
            await page.GetByRole(AriaRole.Button, new() { Name = "Use key" }).ClickAsync();
            Assert.Equal(MigrationApi.ViewerKey, await page.EvaluateAsync<string?>("() => sessionStorage.getItem('migration.apiKey')"));
            await page.GetByRole(AriaRole.Button, new() { Name = "Switch to src_first" }).ClickAsync();
            await Expect(page.Locator("#pattern-feedback")).ToContainTextAsync("(403): Switching to src_first needs a key with the operator role");
            Assert.Equal("src_only", (await api.PatternAsync()).Pattern);

            // The service stops: the page says so instead of showing stale figures as live.
            await api.DisposeAsync();
            await Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "down");
            await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("The service does not answer");
            Assert.Empty(browser.Errors);
        }
        finally
        {
            await api.DisposeAsync();
        }
    }

    [Fact]
    public async Task Dashboard_RunTablesAndDifferenceList_RendersABarPerTableAndARowPerDifference()
    {
        // The shapes the service is about to send (a run's "tables", GET /migrator/inconsistencies), put into the real
        // answers on their way to the page: the page must draw them as soon as the service sends them.
        await using var api = new MigrationApi(new SqliteTestDatabases(), seedRows: 20);
        var address = api.StartOnKestrel();
        await api.CreateClient().PostAsync("/migrator/full/start", null, _ct);
        await api.WaitForStatusAsync(s => s.Full?.Status == "completed");
        await using var browser = await DashboardBrowser.LaunchAsync();
        var page = await browser.NewPageAsync();
        await page.RouteAsync(new Regex("/migrator/status$"), async route =>
        {
            var response = await route.FetchAsync();
            var status = JsonNode.Parse(await response.TextAsync())!;
            status["full"]!["status"] = "running";
            status["full"]!["tables"] = JsonNode.Parse("""
                [{"table": "users", "status": "completed", "rowsChecked": 20, "estimatedRows": 20, "percent": 100, "rowsPerSecond": 0,
                  "etaSeconds": null, "inconsistencies": {"target_missing": 0, "neq": 0, "base_missing": 0}, "errors": 0, "lastError": null},
                 {"table": "orders", "status": "running", "rowsChecked": 2500, "estimatedRows": 10000, "percent": 25.4, "rowsPerSecond": 1200,
                  "etaSeconds": 6.2, "inconsistencies": {"target_missing": 1, "neq": 1, "base_missing": 0}, "errors": 0, "lastError": null}]
                """);
            await route.FulfillAsync(new() { Response = response, Body = status.ToJsonString() });
        });
        await page.RouteAsync(new Regex("/migrator/inconsistencies\\?limit=50$"), route => route.FulfillAsync(new()
        {
            Status = 200,
            ContentType = "application/json",
            Body = """
                {"items": [
                  {"id": 2, "runId": "3f2b8a52-0000-4000-8000-000000000001", "table": "orders", "key": {"id": 7}, "type": "neq",
                   "columns": [{"name": "email", "base": "user7@example.com", "other": "USER7@EXAMPLE.COM"}, {"name": "balance", "base": "10.00", "other": null}],
                   "detectedAt": "2026-01-02T10:00:02Z", "outcome": "repaired"},
                  {"id": 1, "runId": "3f2b8a52-0000-4000-8000-000000000001", "table": "orders", "key": {"tenant": 3, "id": 9}, "type": "target_missing",
                   "columns": [], "detectedAt": "2026-01-02T10:00:01Z", "outcome": "conflict"}
                ], "nextBefore": null}
                """,
        }));

        await page.GotoAsync(address.ToString());

        var bars = page.Locator("#full-run").GetByRole(AriaRole.Progressbar);
        await Expect(bars).ToHaveCountAsync(2);
        await Expect(page.Locator("#full-run").GetByRole(AriaRole.Progressbar, new() { Name = "users" })).ToHaveAttributeAsync("aria-valuenow", "100");
        await Expect(page.Locator("#full-run").GetByRole(AriaRole.Progressbar, new() { Name = "orders" })).ToHaveAttributeAsync("aria-valuenow", "25");
        await Expect(page.Locator("#full-run")).ToContainTextAsync("2,500 of about 10,000 rows · 1,200 rows/s · about 6 s left");

        var rows = page.Locator("#diff-list tbody tr");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.Nth(0)).ToHaveAttributeAsync("data-type", "neq");
        await Expect(rows.Nth(0).Locator("td.key")).ToHaveTextAsync("7");
        await Expect(rows.Nth(0)).ToContainTextAsync("email: user7@example.com → USER7@EXAMPLE.COM");
        await Expect(rows.Nth(0)).ToContainTextAsync("balance: 10.00 → NULL");
        await Expect(rows.Nth(0)).ToContainTextAsync("repaired");
        await Expect(rows.Nth(1).Locator("td.key")).ToHaveTextAsync("tenant=3, id=9");
        await Expect(rows.Nth(1)).ToContainTextAsync("row missing on the other side");
        await Expect(rows.Nth(1)).ToContainTextAsync("conflict");
        Assert.Empty(browser.Errors);
    }

    [Fact]
    public async Task Root_ServesTheDashboard_WithAStrictContentSecurityPolicy()
    {
        await using var api = new MigrationApi(new SqliteTestDatabases(), seedRows: 20);
        var client = api.CreateAnonymousClient();

        foreach (var path in new[] { "/", "/dashboard.js", "/dashboard.css" })
        {
            var response = await client.GetAsync(path, _ct);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var policy = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
            Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
            Assert.Equal(["nosniff"], response.Headers.GetValues("X-Content-Type-Options"));
        }

        var page = await client.GetStringAsync("/", _ct);
        Assert.Contains("<script type=\"module\" src=\"dashboard.js\"></script>", page, StringComparison.Ordinal);
        Assert.DoesNotMatch(InlineScript(), page);

        // Swagger UI keeps the service-wide policy it works with.
        var swagger = await client.GetAsync("/swagger/index.html", _ct);
        Assert.Equal(["frame-ancestors 'none'"], swagger.Headers.GetValues("Content-Security-Policy"));
    }

    [Fact]
    public async Task Start_WithoutThePagesFiles_WarnsWhereTheyAreMissing()
    {
        var logs = new LogCollector();
        var empty = Directory.CreateTempSubdirectory("migration-webroot-").FullName;
        await using var api = new MigrationApi(new SqliteTestDatabases(), seedRows: 20,
            new Dictionary<string, string?> { ["webroot"] = empty }, services: s => s.AddSingleton<ILoggerProvider>(logs));

        var response = await api.CreateAnonymousClient().GetAsync("/", _ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var warning = Assert.Single(logs.Entries, e => e.Category == "Migration.WebApi.Dashboard");
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains(empty, warning.Message, StringComparison.Ordinal);
        Directory.Delete(empty);
    }

    [GeneratedRegex(@"<script(?![^>]*\bsrc=)[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();
}
