using System.Text;

namespace Migration.Infrastructure.Data;

/// <summary>The SQL that differs between SQLite and MySQL. Both accept backtick-quoted identifiers and LIMIT.</summary>
internal abstract class SqlDialect
{
    public static readonly SqlDialect Sqlite = new SqliteDialect();
    public static readonly SqlDialect MySql = new MySqlDialect();

    public static string Quote(string identifier) => $"`{identifier.Replace("`", "``", StringComparison.Ordinal)}`";

    /// <summary>
    /// Inserts a row or updates the existing one, but only where the existing row's <c>utime</c> is not newer than the
    /// incoming one or not newer than <c>@confirmed</c> (the repair's guard, <see cref="Domain.Repair.RepairRule"/>):
    /// a row written after that time is left as it is. Parameters are <c>@p0</c>, <c>@p1</c>… in the order of
    /// <paramref name="columns"/>, and <c>@confirmed</c>.
    /// </summary>
    public abstract string Upsert(string table, IReadOnlyList<string> columns, string keyColumn, string utimeColumn);

    /// <summary>Deletes the row with key <c>@p0</c> unless its <c>utime</c> is newer than <c>@confirmed</c>.</summary>
    public virtual string GuardedDelete(string table, string keyColumn, string utimeColumn) =>
        $"DELETE FROM {Quote(table)} WHERE {Quote(keyColumn)} = @p0 AND {Quote(utimeColumn)} <= @confirmed";

    /// <summary>
    /// A per-row checksum computed by the server (an unsigned 64-bit integer), or null where the engine has none (then
    /// validation compares whole rows). Chunks are compared by the XOR of their rows' checksums, so the checksum must
    /// tell apart rows that merely swapped values: it is the CRC32 of the row's text multiplied by an odd number
    /// derived from the key. The text is the values joined by a separator (NULLs skipped), then a NULL flag per
    /// <paramref name="nullableColumns"/> column and the length of each <paramref name="variableColumns"/> value (text,
    /// binary: anything that may contain the separator) but the last, whose extent the separators around the numbers
    /// after it fix, so no two different rows hash the same text. CRC32 alone is linear in the text: two rows that
    /// swap contents, or change the same bytes the same way, leave a plain XOR of CRCs unchanged. The multiplication,
    /// by a different factor for each key, is not linear in XOR, so such pairs change the chunk's checksum.
    /// </summary>
    public virtual string? RowChecksum(
        string keyColumn, IReadOnlyList<string> columns, IReadOnlyCollection<string> variableColumns, IReadOnlyCollection<string> nullableColumns) => null;

    public bool HasRowChecksum => RowChecksum("id", ["c"], [], []) is not null;

    private static string InsertPrefix(string table, IReadOnlyList<string> columns)
    {
        var sql = new StringBuilder("INSERT INTO ").Append(Quote(table)).Append(" (");
        sql.AppendJoin(", ", columns.Select(Quote)).Append(") VALUES (");
        sql.AppendJoin(", ", columns.Select((_, i) => $"@p{i}")).Append(')');
        return sql.ToString();
    }

    private sealed class SqliteDialect : SqlDialect
    {
        public override string Upsert(string table, IReadOnlyList<string> columns, string keyColumn, string utimeColumn)
        {
            var sets = columns.Where(c => c != keyColumn).Select(c => $"{Quote(c)} = excluded.{Quote(c)}");
            return $"{InsertPrefix(table, columns)} ON CONFLICT({Quote(keyColumn)}) DO UPDATE SET {string.Join(", ", sets)} " +
                $"WHERE excluded.{Quote(utimeColumn)} >= {Quote(table)}.{Quote(utimeColumn)} OR {Quote(table)}.{Quote(utimeColumn)} <= @confirmed";
        }
    }

    private sealed class MySqlDialect : SqlDialect
    {
        public override string Upsert(string table, IReadOnlyList<string> columns, string keyColumn, string utimeColumn)
        {
            // MySQL applies the assignments left to right, so utime, which the guard reads, is assigned last.
            var guard = $"(VALUES({Quote(utimeColumn)}) >= {Quote(utimeColumn)} OR {Quote(utimeColumn)} <= @confirmed)";
            var sets = columns.Where(c => c != keyColumn && c != utimeColumn)
                .Append(utimeColumn)
                .Select(c => $"{Quote(c)} = IF({guard}, VALUES({Quote(c)}), {Quote(c)})");
            return $"{InsertPrefix(table, columns)} ON DUPLICATE KEY UPDATE {string.Join(", ", sets)}";
        }

        public override string RowChecksum(
            string keyColumn, IReadOnlyList<string> columns, IReadOnlyCollection<string> variableColumns, IReadOnlyCollection<string> nullableColumns)
        {
            var variable = columns.Where(variableColumns.Contains).ToArray();
            var parts = columns.Select(Quote)
                .Concat(columns.Where(nullableColumns.Contains).Select(c => $"ISNULL({Quote(c)})"))
                .Concat(variable.Take(variable.Length - 1).Select(c => $"LENGTH({Quote(c)})"));
            // The factor: the key folded to 32 bits, times a 32-bit odd constant, low 32 bits, made odd. Both products
            // stay below 2^64, so the unsigned arithmetic never overflows on MySQL or MariaDB.
            var key = Quote(keyColumn);
            var factor = $"(((({key} ^ ({key} >> 32)) & 4294967295) * 2654435761) & 4294967295) | 1";
            return $"CRC32(CONCAT_WS('#', {string.Join(", ", parts)})) * ({factor})";
        }
    }
}
