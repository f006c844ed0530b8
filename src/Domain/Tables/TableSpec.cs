namespace Migration.Domain.Tables;

/// <summary>How a table's version column counts time.</summary>
public enum VersionKind
{
    /// <summary>An integer of milliseconds since the epoch (the seed's <c>utime</c>).</summary>
    EpochMilliseconds,

    /// <summary>A DATETIME or TIMESTAMP, possibly with fractional seconds.</summary>
    DateTime,
}

/// <summary>A version column: the column every write sets, which incremental validation walks.</summary>
public sealed record VersionColumn(ColumnSpec Column, VersionKind Kind);

/// <summary>
/// One migrated table as a value: resolved from configuration and checked against both sides' schemas before any run
/// uses it. Runs, checkpoints, events, the repair and the pool are keyed by its <see cref="Name"/>.
/// </summary>
/// <param name="Key">The key columns in index order: a row's identity (<see cref="RowKey"/>).</param>
/// <param name="Columns">The compared columns but the key, in one fixed order used on both sides.</param>
/// <param name="Version">The version column (also one of <paramref name="Columns"/>), or null: then the table is validated by full runs only.</param>
/// <param name="Where">A filter applied on both sides (SQL, as configured), or null.</param>
/// <param name="Rules">Comparison rules by column name; a column without one is compared exactly.</param>
public sealed record TableSpec(
    string Name,
    IReadOnlyList<ColumnSpec> Key,
    IReadOnlyList<ColumnSpec> Columns,
    VersionColumn? Version,
    string? Where,
    IReadOnlyDictionary<string, CompareRule> Rules)
{
    /// <summary>The key followed by <see cref="Columns"/>: the select list of a whole row.</summary>
    public IReadOnlyList<ColumnSpec> AllColumns { get; } = [.. Key, .. Columns];

    /// <summary>A single integer key: chunks are arithmetic ranges of it, and events carry it as the seed's <c>ID</c>.</summary>
    public bool HasSingleIntegerKey => Key is [{ Kind: ColumnKind.Integer or ColumnKind.UnsignedInteger }];

    /// <summary>The position of the version column in <see cref="Columns"/>, or -1.</summary>
    public int VersionIndex => Version is { } v ? Columns.ToList().FindIndex(c => c.Name == v.Column.Name) : -1;

    public CompareRule RuleFor(ColumnSpec column) => Rules.GetValueOrDefault(column.Name, CompareRule.Exact);
}
