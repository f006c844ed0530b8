namespace Migration.Application.Common;

/// <summary>One reason a configured table cannot be compared: the table, the column when one is at fault, and what is wrong.</summary>
public sealed record TableShapeProblem(string Table, string? Column, string Problem)
{
    public override string ToString() => Column is null ? $"{Table}: {Problem}" : $"{Table}.{Column}: {Problem}";
}

/// <summary>
/// The configured tables do not match the sides' schemas (a table or column missing, key columns that differ,
/// incompatible types…). Answered with 409 naming the first table and column, and listing every problem.
/// </summary>
public sealed class TableShapeException(IReadOnlyList<TableShapeProblem> problems)
    : Exception(problems.Count == 1
        ? $"The table cannot be compared: {problems[0]}."
        : $"{problems.Count} problems with the configured tables: {string.Join("; ", problems)}.")
{
    public IReadOnlyList<TableShapeProblem> Problems { get; } = problems;
}
