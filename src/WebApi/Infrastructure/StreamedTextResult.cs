using System.Text;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace Migration.WebApi.Infrastructure;

/// <summary>
/// Text written to the response as it is produced, as a download. A failure before the first piece is an ordinary
/// error (ProblemDetails); one after it aborts the response, so the client sees a broken transfer rather than a file
/// that only looks complete.
/// </summary>
internal sealed partial class StreamedTextResult(IAsyncEnumerable<string> text, string contentType, string fileName) : IActionResult
{
    public async Task ExecuteResultAsync(ActionContext context)
    {
        var http = context.HttpContext;
        var cancellationToken = http.RequestAborted;
        await using var pieces = text.GetAsyncEnumerator(cancellationToken);
        var any = await pieces.MoveNextAsync();
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = contentType;
        http.Response.Headers[HeaderNames.ContentDisposition] = new ContentDispositionHeaderValue("attachment") { FileName = fileName }.ToString();
        http.Response.Headers.CacheControl = "no-store";
        try
        {
            while (any)
            {
                await http.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(pieces.Current), cancellationToken);
                any = await pieces.MoveNextAsync();
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogAborted(http.RequestServices.GetRequiredService<ILogger<StreamedTextResult>>(), ex, http.Request.Path);
            http.Abort();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Writing {Path} failed midway; the response was aborted")]
    private static partial void LogAborted(ILogger logger, Exception exception, string path);
}
