using Migration.Domain.Tables;

namespace Migration.Domain.Inconsistencies;

/// <summary>
/// One row that differs between the two sides, as found by validation or by a failed secondary write.
/// </summary>
/// <param name="EventId">Unique per detection; a consumer may use it to drop duplicates.</param>
/// <param name="Table">The migrated table the row belongs to.</param>
/// <param name="Key">The row's key.</param>
/// <param name="Direction">The base side: the truth the repair copies from.</param>
/// <param name="Type">What differs.</param>
/// <param name="DetectedAt">When the difference was confirmed.</param>
/// <param name="Columns">For <see cref="InconsistencyType.Neq"/>, the columns whose values differ; otherwise empty.</param>
public sealed record InconsistentEvent(
    Guid EventId,
    string Table,
    RowKey Key,
    Direction Direction,
    InconsistencyType Type,
    DateTimeOffset DetectedAt,
    IReadOnlyList<string> Columns)
{
    /// <summary>The message key, <c>&lt;table&gt;:&lt;key&gt;</c>: one row's events stay in order on a partitioned topic.</summary>
    public string MessageKey => $"{Table}:{Key.ToText()}";

    /// <summary>The run that found it; null for a failed double write.</summary>
    public Guid? RunId { get; init; }

    /// <summary>The differing columns with both sides' values, for the report (not on the wire).</summary>
    public IReadOnlyList<ColumnDifference> Differences { get; init; } = [];

    /// <summary>
    /// Found by a report-only run: stored for the report, never handed to the repair (not on the wire). The double-write
    /// pool's own reports never are.
    /// </summary>
    public bool ReportOnly { get; init; }

    /// <summary>
    /// An operator named <see cref="Direction"/> as the side that wins (<c>POST /migrator/inconsistencies/repair</c>): the
    /// repair copies it whatever the repair policy prefers (on the wire as <c>"Decided": true</c>).
    /// </summary>
    public bool Decided { get; init; }
}

/// <summary>One column of a row that differs: its value on the base and on the other side, as display text (null for SQL NULL).</summary>
public sealed record ColumnDifference(string Column, string? Base, string? Other);
