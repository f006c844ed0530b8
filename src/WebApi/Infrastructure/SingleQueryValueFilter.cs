using System.Collections;
using Microsoft.AspNetCore.Mvc.Filters;

namespace Migration.WebApi.Infrastructure;

/// <summary>
/// Every action: a query parameter given more than once (<c>?force=true&amp;force=false</c>) is a 400 naming it, not
/// whichever value the binder happens to take. A parameter bound to a collection may repeat, since that is how a list
/// is sent. Runs after authorization, before model binding.
/// </summary>
internal sealed class SingleQueryValueFilter : IResourceFilter
{
    public void OnResourceExecuting(ResourceExecutingContext context)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, values) in context.HttpContext.Request.Query)
        {
            if (values.Count > 1 && !IsCollectionParameter(key, context))
            {
                errors[key] = [$"'{key}' is given {values.Count} times; give it once."];
            }
        }

        if (errors.Count == 0)
        {
            return;
        }

        context.Result = ValidationProblems.Result(context.HttpContext, errors);
    }

    public void OnResourceExecuted(ResourceExecutedContext context)
    {
    }

    private static bool IsCollectionParameter(string key, ResourceExecutingContext context) => context.ActionDescriptor.Parameters.Any(p =>
        string.Equals(p.BindingInfo?.BinderModelName ?? p.Name, key, StringComparison.OrdinalIgnoreCase)
        && p.ParameterType != typeof(string)
        && typeof(IEnumerable).IsAssignableFrom(p.ParameterType));
}
