using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace Migration.WebApi.Infrastructure;

/// <summary>
/// Caps request bodies far below Kestrel's 30 MB default: no request this API takes comes near a kilobyte, and a
/// body of megabytes is a mistake or an attack that should cost nothing to refuse, whatever JSON it holds. A declared
/// length over the cap is refused before anything reads the body, on any server; where the server enforces a
/// per-request limit (Kestrel), a chunked body is cut off at the same size. Both answer 413 with ProblemDetails.
/// </summary>
internal static class RequestBodyLimit
{
    /// <summary>The largest request body accepted: 64 KB.</summary>
    public const long MaxBytes = 64 * 1024;

    public static IApplicationBuilder UseRequestBodyLimit(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.Request.ContentLength > MaxBytes)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = new ProblemDetails
                {
                    Status = StatusCodes.Status413PayloadTooLarge,
                    Title = "The request body is too large.",
                    Detail = $"The body is {context.Request.ContentLength} bytes; this API takes at most {MaxBytes}.",
                },
            });
            return;
        }

        // A chunked body declares no length: the server stops reading it at the cap (BadHttpRequestException, 413).
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBytes;
        }

        await next(context);
    });
}
