using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace Migration.WebApi.Infrastructure;

/// <summary>
/// Every 400 about the request's fields has one shape, whoever finds the fault (the body's binding, a repeated query
/// value, a validator): <c>type</c>, <c>title</c>, <c>status</c>, <c>instance</c> (the path), <c>traceId</c> and
/// <c>errors</c> keyed by the field the client sent.
/// </summary>
internal static class ValidationProblems
{
    public const string Title = "One or more fields are invalid.";

    public static ValidationProblemDetails Create(HttpContext context, IDictionary<string, string[]> errors)
    {
        var problem = context.RequestServices.GetRequiredService<ProblemDetailsFactory>()
            .CreateValidationProblemDetails(context, new ModelStateDictionary(), StatusCodes.Status400BadRequest, Title, instance: context.Request.Path);
        foreach (var (field, messages) in errors)
        {
            problem.Errors[field] = messages;
        }

        return problem;
    }

    public static BadRequestObjectResult Result(HttpContext context, IDictionary<string, string[]> errors) =>
        new(Create(context, errors)) { ContentTypes = { "application/problem+json" } };
}
