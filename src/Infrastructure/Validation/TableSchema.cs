namespace Migration.Infrastructure.Validation;

/// <summary>The compared columns of the migrated table, in one fixed order for both sides.</summary>
/// <param name="Columns">Every column but the key, in the base side's order.</param>
/// <param name="VariableColumns">The columns whose values are not numbers (text, binary, dates…).</param>
/// <param name="NullableColumns">The columns that may hold NULL on either side.</param>
internal sealed record TableSchema(
    string Table, IReadOnlyList<string> Columns, int UtimeIndex, IReadOnlySet<string> VariableColumns, IReadOnlySet<string> NullableColumns)
{
    public const string KeyColumn = "id";
    public const string UtimeColumn = "utime";

    /// <summary>The key followed by <see cref="Columns"/>: the select list and the upsert's column list.</summary>
    public IReadOnlyList<string> AllColumns { get; } = [KeyColumn, .. Columns];
}

/// <summary>The table cannot be validated as configured (missing, no <c>id</c>/<c>utime</c>, or different columns per side).</summary>
internal sealed class TableShapeException(string message) : Exception(message);

/// <summary>A row as read: its key and its other columns' values in <see cref="TableSchema.Columns"/> order (null for SQL NULL).</summary>
internal sealed record Row(long Id, object?[] Values)
{
    public long Utime(TableSchema schema) => Convert.ToInt64(Values[schema.UtimeIndex], System.Globalization.CultureInfo.InvariantCulture);
}
