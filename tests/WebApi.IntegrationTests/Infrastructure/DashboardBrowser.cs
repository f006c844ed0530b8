using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace Migration.WebApi.IntegrationTests.Infrastructure;

/// <summary>
/// Debian's chromium (<c>/usr/bin/chromium</c>, installed by <c>test.sh</c>) driven through Playwright's driver, which
/// ships inside the Microsoft.Playwright package: no browser download. A fresh profile per browser, and the flags
/// that keep chromium from calling home on a machine without a network.
/// </summary>
internal sealed class DashboardBrowser : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;
    private readonly IBrowserContext _context;
    private readonly string _profile;
    private readonly ConcurrentQueue<string> _errors = new();

    private DashboardBrowser(IPlaywright playwright, IBrowserContext context, string profile)
    {
        _playwright = playwright;
        _context = context;
        _profile = profile;
    }

    /// <summary>Script errors and console errors of every page so far, except failed requests (a 404 or 409 the page handles).</summary>
    public IReadOnlyCollection<string> Errors => _errors;

    public static async Task<DashboardBrowser> LaunchAsync(int width = 1440, int height = 900)
    {
        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: ./test.sh installs Debian's chromium package.");
        var profile = Directory.CreateTempSubdirectory("migration-chromium-").FullName;
        var playwright = await Playwright.CreateAsync();
        try
        {
            // A persistent context is how Playwright takes a user data directory of our choosing: a new, empty one.
            var context = await playwright.Chromium.LaunchPersistentContextAsync(profile, new BrowserTypeLaunchPersistentContextOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Args =
                [
                    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                ],
                ViewportSize = new ViewportSize { Width = width, Height = height },
                Locale = "en-US",
                TimezoneId = "UTC",
                ColorScheme = ColorScheme.Light,
            });
            return new DashboardBrowser(playwright, context, profile);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>A new tab that records its script and console errors into <see cref="Errors"/>.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var page = await _context.NewPageAsync();
        page.PageError += (_, error) => _errors.Enqueue($"page error: {error}");
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
            {
                _errors.Enqueue($"console: {message.Text}");
            }
        };
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        await _context.CloseAsync();
        await _context.DisposeAsync();
        _playwright.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // A file chromium still held on the way out; the temp folder is cleaned by the OS.
        }
    }
}
