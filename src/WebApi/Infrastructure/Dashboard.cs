namespace Migration.WebApi.Infrastructure;

/// <summary>
/// The dashboard at <c>/</c>: the static page, stylesheet and script module under <c>wwwroot</c>, which read and drive
/// the service through its own JSON API. The files are public (they hold no data); the API keeps its own rules.
/// </summary>
internal static partial class Dashboard
{
    private const string Category = "Migration.WebApi.Dashboard";

    /// <summary>
    /// The page's policy: script, style and data from this service only, no inline script or style, no plugin, no
    /// framing, and no form that navigates (the API key form is handled by the script and must never land in a URL).
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static IApplicationBuilder UseDashboard(this IApplicationBuilder app)
    {
        var environment = app.ApplicationServices.GetRequiredService<IWebHostEnvironment>();
        if (!environment.WebRootFileProvider.GetFileInfo("index.html").Exists)
        {
            // The build output has no wwwroot outside Development; `dotnet run` and `dotnet publish` output do.
            LogNoPage(app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(Category),
                environment.WebRootPath ?? Path.Combine(environment.ContentRootPath, "wwwroot"));
        }

        app.UseDefaultFiles();
        return app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = file =>
            {
                var headers = file.Context.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                // Revalidated every time (an ETag answer is cheap), so a new version of the service never runs an old page.
                headers.CacheControl = "no-cache";
                headers["Referrer-Policy"] = "no-referrer";
            },
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The dashboard's files are missing from {WebRoot}, so / answers 404; run the service with `dotnet run` or from `dotnet publish` output, or set the web root (--webroot)")]
    private static partial void LogNoPage(ILogger logger, string webRoot);
}
