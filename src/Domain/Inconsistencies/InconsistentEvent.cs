namespace Migration.Domain.Inconsistencies;

/// <summary>
/// One row that differs between the two sides, as found by validation or by a failed secondary write.
/// </summary>
/// <param name="EventId">Unique per detection; a consumer may use it to drop duplicates.</param>
/// <param name="Table">The migrated table the row belongs to.</param>
/// <param name="Id">The row's primary key.</param>
/// <param name="Direction">The base side: the truth the repair copies from.</param>
/// <param name="Type">What differs.</param>
/// <param name="DetectedAt">When the difference was confirmed.</param>
/// <param name="Columns">For <see cref="InconsistencyType.Neq"/>, the columns whose values differ; otherwise empty.</param>
public sealed record InconsistentEvent(
    Guid EventId,
    string Table,
    long Id,
    Direction Direction,
    InconsistencyType Type,
    DateTimeOffset DetectedAt,
    IReadOnlyList<string> Columns)
{
    /// <summary>The message key: per-row ordering on a partitioned topic.</summary>
    public string Key => $"{Table}:{Id}";
}
