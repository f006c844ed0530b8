namespace Migration.WebApi.Infrastructure;

/// <summary>
/// Response headers every answer carries, errors included: the API's JSON is never sniffed into something a browser
/// runs, and neither the API nor Swagger UI is framed by another site. Kestrel's <c>Server</c> header is dropped, so
/// the server does not announce itself.
/// </summary>
internal static class SecurityHeaders
{
    public static WebApplicationBuilder RemoveServerHeader(this WebApplicationBuilder builder)
    {
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        return builder;
    }

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        // Set when the response starts: the exception handler clears headers set before it ran.
        context.Response.OnStarting(static state =>
        {
            var headers = ((HttpContext)state).Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            // A stricter policy set for a page (the dashboard's) is kept; it forbids framing too.
            if (headers.ContentSecurityPolicy.Count == 0)
            {
                headers.ContentSecurityPolicy = "frame-ancestors 'none'";
            }
            return Task.CompletedTask;
        }, context);
        return next(context);
    });
}
