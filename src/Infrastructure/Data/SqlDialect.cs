using System.Text;

namespace Migration.Infrastructure.Data;

/// <summary>The SQL that differs between SQLite and MySQL. Both accept backtick-quoted identifiers and LIMIT.</summary>
internal abstract class SqlDialect
{
    public static readonly SqlDialect Sqlite = new SqliteDialect();
    public static readonly SqlDialect MySql = new MySqlDialect();

    public static string Quote(string identifier) => $"`{identifier.Replace("`", "``", StringComparison.Ordinal)}`";

    /// <summary>
    /// Inserts a row or updates the existing one, but never replaces a row whose <c>utime</c> is newer than the
    /// incoming one. Parameters are <c>@p0</c>, <c>@p1</c>… in the order of <paramref name="columns"/>.
    /// </summary>
    public abstract string Upsert(string table, IReadOnlyList<string> columns, string keyColumn, string utimeColumn);

    /// <summary>
    /// A per-row checksum computed by the server (an unsigned integer below 2^32), or null where the engine has none
    /// (then validation compares whole rows). Chunks are compared by the XOR of their rows' checksums, so a row's
    /// checksum must not be a function that XOR can cancel: the CRC32 of a row's text is linear in the text, and so
    /// is anything computed from it and the key alone, so rows that swap values, or change the same bytes the same way,
    /// or whose keys get the same weight, leave such a sum unchanged. The checksum is therefore a cryptographic hash
    /// (SHA-1) of the key and the values together, folded to 32 bits by a CRC32 of its hex digits: a row's checksum
    /// depends on all of the row at once, and the checksums of different rows are unrelated, so no swap, duplicate
    /// or permutation inside a chunk cancels out (only a chance 2^-32 coincidence can). The text hashed is the key,
    /// the values joined by a separator (NULLs skipped), then a NULL flag per <paramref name="nullableColumns"/> column
    /// and the length of each <paramref name="variableColumns"/> value (text, binary: anything that may contain the
    /// separator) but the last, whose extent the separators around the numbers after it fix, so no two different rows
    /// hash the same text.
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
                $"WHERE excluded.{Quote(utimeColumn)} >= {Quote(table)}.{Quote(utimeColumn)}";
        }
    }

    private sealed class MySqlDialect : SqlDialect
    {
        public override string Upsert(string table, IReadOnlyList<string> columns, string keyColumn, string utimeColumn)
        {
            // MySQL applies the assignments left to right, so utime, which the guard reads, is assigned last.
            var guard = $"VALUES({Quote(utimeColumn)}) >= {Quote(utimeColumn)}";
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
            // SHA1 and CRC32 exist on MySQL 8 and MariaDB alike, and return the same bytes. CRC32 folds the digest's
            // hex text to an integer at the cost of a CRC over 40 bytes; CONV(LEFT(SHA1(...), 16), 16, 10) would give
            // 64 bits, but its string conversions cost the server about as much again as the SHA-1 itself.
            return $"CRC32(SHA1(CONCAT_WS('#', {Quote(keyColumn)}, {string.Join(", ", parts)})))";
        }
    }
}
