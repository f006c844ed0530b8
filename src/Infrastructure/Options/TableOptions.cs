namespace Migration.Infrastructure.Options;

/// <summary>
/// One entry of <c>Migration:Tables</c>: a table to migrate and how to compare it. Only <see cref="Name"/> is needed;
/// the rest defaults from the schema. An entry named <c>*</c> stands for every base table of the source schema that has
/// a primary key (other entries then override the defaults of the tables they name).
/// </summary>
public sealed class TableOptions
{
    /// <summary>The table's name, the same on both sides; <c>*</c> for every table with a primary key.</summary>
    public string Name { get; set; } = "";

    /// <summary>The columns that identify a row, in order. Default: the primary key.</summary>
    public List<string>? KeyColumns { get; set; }

    /// <summary>
    /// The column every write sets (integer ms since the epoch, or DATETIME/TIMESTAMP: the kind is read from the schema);
    /// incremental validation walks it. Default: none, and the table is validated by full runs only.
    /// </summary>
    public string? VersionColumn { get; set; }

    /// <summary>The compared columns (besides the key). Default: every column both sides have. Excludes <see cref="IgnoreColumns"/>.</summary>
    public List<string>? Columns { get; set; }

    /// <summary>Columns not compared (computed, or expected to differ).</summary>
    public List<string>? IgnoreColumns { get; set; }

    /// <summary>A filter applied on both sides, as an SQL condition (e.g. <c>tenant_id = 7</c>). Default: every row.</summary>
    public string? Where { get; set; }

    /// <summary>Comparison rules by column name: <c>{"price": {"Tolerance": 0.01}, "created": {"Precision": 0}}</c>.</summary>
    public Dictionary<string, CompareRuleOptions> Compare { get; set; } = [];

    /// <summary>
    /// The legacy single-table setting (<c>Migration:Table</c>) names <c>utime</c> as the version column only if the
    /// table has one; an entry of <c>Migration:Tables</c> that names a version column requires it.
    /// </summary>
    internal bool VersionColumnOptional { get; init; }
}

/// <summary>How one column is compared; see <see cref="Domain.Tables.CompareRule"/>.</summary>
public sealed class CompareRuleOptions
{
    /// <summary>Numbers at most this far apart are equal.</summary>
    public decimal? Tolerance { get; set; }

    /// <summary>Temporal values are compared to this many fractional digits of a second (0 = whole seconds).</summary>
    public int? Precision { get; set; }

    /// <summary>Compare as canonical JSON (keys sorted, no insignificant white space).</summary>
    public bool Json { get; set; }

    /// <summary>Ignore trailing spaces.</summary>
    public bool TrimTrailing { get; set; }
}
