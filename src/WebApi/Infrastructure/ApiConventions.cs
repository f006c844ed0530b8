using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace Migration.WebApi.Infrastructure;

/// <summary>
/// What every refusal says: a 401 and a 403 carry, as the ProblemDetails <c>detail</c>, what was missing or wrong
/// (left in <see cref="DetailItem"/> by authentication and authorization), and a 415 names the content type the
/// endpoint takes. Enums are strings on the wire (and so in the OpenAPI document). A start that fails ends in one
/// line (<see cref="StartupFailure"/>).
/// </summary>
internal static class ApiConventions
{
    /// <summary>The <see cref="HttpContext.Items"/> key of the <c>detail</c> of a 401 or 403 about to be written.</summary>
    public const string DetailItem = "Migration.ProblemDetail";

    public static IServiceCollection AddApiConventions(this IServiceCollection services)
    {
        services.AddStartupFailureReport();
        services.Configure<JsonOptions>(json => json.JsonSerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        services.Configure<ProblemDetailsOptions>(options =>
        {
            var previous = options.CustomizeProblemDetails;
            options.CustomizeProblemDetails = context =>
            {
                previous?.Invoke(context);
                context.ProblemDetails.Detail ??= Detail(context.HttpContext, context.ProblemDetails.Status);
            };
        });
        return services;
    }

    private static string? Detail(HttpContext context, int? status) => status switch
    {
        StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden => context.Items[DetailItem] as string,
        StatusCodes.Status415UnsupportedMediaType => UnsupportedMediaType(context),
        _ => null,
    };

    private static string UnsupportedMediaType(HttpContext context)
    {
        var accepted = context.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>()?.ContentTypes;
        var expected = accepted is { Count: > 0 } ? string.Join(" or ", accepted) : "application/json";
        var sent = context.Request.ContentType is { Length: > 0 } type ? $"Content-Type: {(type.Length > 100 ? type[..100] + "…" : type)}" : "no Content-Type";
        return $"The body must be {expected} (UTF-8); the request sent {sent}.";
    }
}
