using Migration.Domain;

namespace Migration.Infrastructure.Validation;

/// <summary>The compared columns of the migrated table, in one fixed order for both sides.</summary>
/// <param name="Columns">Every column but the key, in the base side's order.</param>
/// <param name="VariableColumns">The columns whose values are not numbers (text, binary, dates…).</param>
/// <param name="NullableColumns">The columns that may hold NULL on either side.</param>
/// <param name="UtimeIsInteger">Whether <c>utime</c> holds integers on both sides, which the incremental walk needs.</param>
internal sealed record TableSchema(
    string Table, IReadOnlyList<string> Columns, int UtimeIndex, IReadOnlySet<string> VariableColumns, IReadOnlySet<string> NullableColumns,
    bool UtimeIsInteger = true)
{
    public const string KeyColumn = "id";
    public const string UtimeColumn = "utime";

    /// <summary>The key followed by <see cref="Columns"/>: the select list and the upsert's column list.</summary>
    public IReadOnlyList<string> AllColumns { get; } = [KeyColumn, .. Columns];
}

/// <summary>
/// The table cannot be validated as configured (missing, no <c>id</c>/<c>utime</c>, a key that is not an integer,
/// or different columns per side).
/// </summary>
/// <param name="column">The column at fault, if one is.</param>
/// <param name="side">The side at fault, if only one is.</param>
internal sealed class TableShapeException(string message, string table, string? column = null, Direction? side = null) : Exception(message)
{
    public string Table { get; } = table;

    public string? Column { get; } = column;

    public Direction? Side { get; } = side;
}

/// <summary>A row as read: its key and its other columns' values in <see cref="TableSchema.Columns"/> order (null for SQL NULL).</summary>
internal sealed record Row(long Id, object?[] Values)
{
    public long Utime(TableSchema schema) => Convert.ToInt64(Values[schema.UtimeIndex], System.Globalization.CultureInfo.InvariantCulture);
}
