namespace Migration.Domain.Tables;

/// <summary>How a column's values are compared and ordered, whatever the engine calls its type.</summary>
public enum ColumnKind
{
    /// <summary>Signed integers (TINYINT … BIGINT, BOOLEAN, SQLite INTEGER).</summary>
    Integer,

    /// <summary>Unsigned integers (MySQL <c>… UNSIGNED</c>).</summary>
    UnsignedInteger,

    /// <summary>Exact decimals (DECIMAL, NUMERIC).</summary>
    Decimal,

    /// <summary>Approximate numbers (FLOAT, DOUBLE, REAL).</summary>
    Float,

    /// <summary>Character data (CHAR, VARCHAR, TEXT…), compared under its collation.</summary>
    Text,

    /// <summary>Bytes (BINARY, VARBINARY, BLOB…).</summary>
    Binary,

    /// <summary>Dates and times (DATE, TIME, DATETIME, TIMESTAMP, YEAR).</summary>
    Temporal,

    /// <summary>JSON documents (MySQL's JSON type; MariaDB stores them as text with a JSON check).</summary>
    Json,

    /// <summary>Anything else (BIT, ENUM, SET, spatial…): compared by its text form.</summary>
    Other,
}

/// <summary>A text column's collation, as far as keys and comparisons care.</summary>
/// <param name="Name">The collation's name, e.g. <c>utf8mb4_general_ci</c>, or SQLite's <c>BINARY</c>/<c>NOCASE</c>.</param>
/// <param name="CaseInsensitive">Whether values differing only by case are equal under it.</param>
public sealed record TextCollation(string Name, bool CaseInsensitive);

/// <summary>One column of a migrated table as both sides have it.</summary>
/// <param name="DataType">The engine's own type, e.g. <c>varchar(36)</c>, <c>datetime(3)</c>, <c>bigint unsigned</c>.</param>
/// <param name="Collation">For text columns, the collation; null otherwise.</param>
/// <param name="Scale">Fractional digits: of a DECIMAL, or of a DATETIME/TIMESTAMP/TIME (0 when none).</param>
public sealed record ColumnSpec(string Name, ColumnKind Kind, string DataType, bool Nullable, TextCollation? Collation = null, int Scale = 0)
{
    /// <summary>Whether the column's values are numbers (compared by value, written without quotes).</summary>
    public bool IsNumeric => Kind is ColumnKind.Integer or ColumnKind.UnsignedInteger or ColumnKind.Decimal or ColumnKind.Float;
}
