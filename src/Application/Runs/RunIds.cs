using FluentValidation;

namespace Migration.Application.Runs;

/// <summary>A run id as it comes in a route or a query: a GUID.</summary>
internal static class RunIds
{
    public static bool IsValid(string? id) => id is null || Guid.TryParse(id, out _);

    public static IRuleBuilderOptions<T, string?> MustBeRunId<T>(this IRuleBuilder<T, string?> rule, string field) =>
        rule.Must(IsValid).WithMessage($"'{field}' must be a run id (a GUID, as in GET /migrator/runs).");
}
