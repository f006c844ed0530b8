using Migration.Domain.Tables;

namespace Migration.Infrastructure.Schema;

/// <summary>A table as one side's catalog describes it.</summary>
/// <param name="Columns">Every column, in the table's order.</param>
/// <param name="PrimaryKey">The primary key's columns in index order; empty when the table has none.</param>
internal sealed record SideTable(string Name, IReadOnlyList<ColumnSpec> Columns, IReadOnlyList<string> PrimaryKey)
{
    public ColumnSpec? Find(string column) => Columns.FirstOrDefault(c => string.Equals(c.Name, column, StringComparison.OrdinalIgnoreCase));
}

/// <summary>Maps an engine's column type name to the <see cref="ColumnKind"/> validation compares it as.</summary>
internal static class ColumnKinds
{
    /// <summary>MySQL/MariaDB: <c>DATA_TYPE</c> and <c>COLUMN_TYPE</c> of information_schema.COLUMNS.</summary>
    public static ColumnKind FromMySql(string dataType, string columnType) => dataType.ToLowerInvariant() switch
    {
        "tinyint" or "smallint" or "mediumint" or "int" or "integer" or "bigint" =>
            columnType.Contains("unsigned", StringComparison.OrdinalIgnoreCase) ? ColumnKind.UnsignedInteger : ColumnKind.Integer,
        "decimal" or "numeric" => ColumnKind.Decimal,
        "float" or "double" or "real" => ColumnKind.Float,
        "char" or "varchar" or "tinytext" or "text" or "mediumtext" or "longtext" => ColumnKind.Text,
        "binary" or "varbinary" or "tinyblob" or "blob" or "mediumblob" or "longblob" => ColumnKind.Binary,
        "date" or "time" or "datetime" or "timestamp" or "year" => ColumnKind.Temporal,
        "json" => ColumnKind.Json,
        _ => ColumnKind.Other,
    };

    /// <summary>SQLite: the declared type, by SQLite's affinity rules (https://sqlite.org/datatype3.html).</summary>
    public static ColumnKind FromSqlite(string declared)
    {
        var type = declared.ToUpperInvariant();
        return type.Contains("INT", StringComparison.Ordinal) ? ColumnKind.Integer
            : type.Contains("CHAR", StringComparison.Ordinal) || type.Contains("CLOB", StringComparison.Ordinal) || type.Contains("TEXT", StringComparison.Ordinal) ? ColumnKind.Text
            // A view's computed column declares no type: its values are compared as they come.
            : type.Length == 0 ? ColumnKind.Other
            : type.Contains("BLOB", StringComparison.Ordinal) ? ColumnKind.Binary
            : type.Contains("REAL", StringComparison.Ordinal) || type.Contains("FLOA", StringComparison.Ordinal) || type.Contains("DOUB", StringComparison.Ordinal) ? ColumnKind.Float
            : type.Contains("DATE", StringComparison.Ordinal) || type.Contains("TIME", StringComparison.Ordinal) ? ColumnKind.Temporal
            : ColumnKind.Decimal;
    }

    /// <summary>Kinds whose values can be compared with each other; <see cref="ColumnKind.Other"/> (no known type) goes with any.</summary>
    public static bool Compatible(ColumnKind a, ColumnKind b) => a == ColumnKind.Other || b == ColumnKind.Other || Group(a) == Group(b);

    private static int Group(ColumnKind kind) => kind switch
    {
        ColumnKind.Integer or ColumnKind.UnsignedInteger or ColumnKind.Decimal or ColumnKind.Float => 0,
        ColumnKind.Text or ColumnKind.Json => 1,
        ColumnKind.Binary => 2,
        _ => 3,
    };
}
