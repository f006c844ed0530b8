using System.Text.Json;
using Microsoft.AspNetCore.Mvc;

namespace Migration.WebApi.Infrastructure;

/// <summary>
/// Shapes the 400 for a body or a query value that could not be bound (missing, not JSON, wrong types, unknown fields)
/// as every other 400 (<see cref="ValidationProblems"/>): <c>errors</c> keyed by the JSON field name (<c>utime</c>, not <c>$.utime</c>), or <c>body</c>
/// when the body as a whole is wrong.
/// </summary>
internal static class ModelStateProblems
{
    public static IActionResult Create(ActionContext context)
    {
        var errors = new Dictionary<string, string[]>();
        foreach (var (key, entry) in context.ModelState)
        {
            if (entry.Errors.Count == 0)
            {
                continue;
            }

            foreach (var error in entry.Errors)
            {
                var raw = string.IsNullOrEmpty(error.ErrorMessage) ? error.Exception?.Message ?? "Invalid value." : error.ErrorMessage;
                // Only a value of the wrong type or an unknown property belongs to a field; broken JSON is the body's fault.
                var aboutField = raw.StartsWith("The JSON value could not be converted", StringComparison.Ordinal)
                    || raw.Contains("could not be mapped to any .NET member", StringComparison.Ordinal);
                var field = aboutField ? FieldName(key, context) : "body";
                var message = field == "body" ? raw : Describe(field, context);
                if (NonBodyParameter(key, context) is { } parameter)
                {
                    // A query or route value (?force=maybe) belongs to its parameter; the binder's message names the value.
                    (field, message) = (JsonNamingPolicy.CamelCase.ConvertName(parameter), raw);
                }
                errors[field] = errors.TryGetValue(field, out var existing) ? [.. existing, message] : [message];
            }
        }

        return ValidationProblems.Result(context.HttpContext, errors);
    }

    private static string Describe(string field, ActionContext context)
    {
        var bodyType = context.ActionDescriptor.Parameters.FirstOrDefault(p => p.BindingInfo?.BindingSource?.Id == "Body")?.ParameterType;
        var property = bodyType?.GetProperty(field, System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.IgnoreCase);
        if (property is null)
        {
            var known = bodyType?.GetProperties().Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name)) ?? [];
            return $"'{field}' is not a field of this request; it takes: {string.Join(", ", known)}.";
        }

        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        var expected = type == typeof(long) || type == typeof(int) ? "a whole number in range"
            : type == typeof(bool) ? "true or false"
            : type == typeof(string) ? "a string"
            : "a value of type " + type.Name;
        return $"'{field}' must be {expected}.";
    }

    private static string? NonBodyParameter(string key, ActionContext context) => context.ActionDescriptor.Parameters
        .FirstOrDefault(p => p.Name.Equals(key, StringComparison.OrdinalIgnoreCase) && p.BindingInfo?.BindingSource?.Id is "Query" or "Path")?.Name;

    private static string FieldName(string key, ActionContext context)
    {
        var trimmed = key.StartsWith("$.", StringComparison.Ordinal) ? key[2..] : key.TrimStart('$');
        var isParameterName = context.ActionDescriptor.Parameters.Any(p => p.Name.Equals(trimmed, StringComparison.OrdinalIgnoreCase));
        if (trimmed.Length == 0 || isParameterName)
        {
            return "body";
        }

        // "utime[0]" or "a.b" → the top-level field the client sent.
        var end = trimmed.IndexOfAny(['.', '[']);
        var name = end < 0 ? trimmed : trimmed[..end];
        return name.Length == 0 ? "body" : char.ToLowerInvariant(name[0]) + name[1..];
    }
}
