using System.Data.Common;
using System.Text;
using Migration.Domain.Tables;

namespace Migration.Infrastructure.Data;

/// <summary>
/// Keyset predicates over a whole key, in plain SQL both engines accept, written so that the optimiser can use the
/// primary key for a range: <c>(a, b) &gt; (x, y)</c> becomes <c>a &gt;= x AND (a &gt; x OR (a = x AND b &gt; y))</c>.
/// A row-value comparison would be shorter, but MariaDB does not turn it into an index range.
/// </summary>
internal static class KeySql
{
    /// <summary>The key columns, quoted and comma-separated, for ORDER BY and select lists.</summary>
    public static string Columns(TableSpec table, string? prefix = null) =>
        string.Join(", ", table.Key.Select(k => (prefix ?? "") + SqlDialect.Quote(k.Name)));

    /// <summary><c>key &gt; after</c>, binding the values as <c>@{name}0</c>, <c>@{name}1</c>…</summary>
    public static string After(TableSpec table, RowKey after, string name, DbCommand command) =>
        Compare(table, after, name, command, strict: ">", orEqual: ">=");

    /// <summary><c>key &lt;= upTo</c>.</summary>
    public static string UpTo(TableSpec table, RowKey upTo, string name, DbCommand command)
    {
        Bind(table, upTo, name, command);
        // a <= x AND (a < x OR (a = x AND (b < y OR (b = y AND c <= z))))
        var sql = new StringBuilder();
        var last = table.Key.Count - 1;
        sql.Append(SqlDialect.Quote(table.Key[0].Name)).Append(" <= @").Append(name).Append('0');
        if (last == 0)
        {
            return sql.ToString();
        }

        sql.Append(" AND ").Append(Nested(table, name, 0, "<", "<="));
        return sql.ToString();
    }

    /// <summary><c>key IN (keys)</c>, written as an OR of key equalities (one row-value IN is not an index range on MariaDB).</summary>
    public static string In(TableSpec table, IReadOnlyList<RowKey> keys, string name, DbCommand command)
    {
        if (table.Key.Count == 1)
        {
            var list = new StringBuilder();
            for (var i = 0; i < keys.Count; i++)
            {
                list.Append(i == 0 ? "" : ", ").Append('@').Append(name).Append(i);
                AddParameter(command, $"@{name}{i}", keys[i].Values[0]);
            }

            return $"{SqlDialect.Quote(table.Key[0].Name)} IN ({list})";
        }

        var sql = new StringBuilder();
        for (var i = 0; i < keys.Count; i++)
        {
            sql.Append(i == 0 ? "(" : " OR (");
            for (var c = 0; c < table.Key.Count; c++)
            {
                sql.Append(c == 0 ? "" : " AND ").Append(SqlDialect.Quote(table.Key[c].Name)).Append(" = @").Append(name).Append(i).Append('_').Append(c);
                AddParameter(command, $"@{name}{i}_{c}", keys[i].Values[c]);
            }

            sql.Append(')');
        }

        return sql.ToString();
    }

    /// <summary><c>key = k</c> for one row.</summary>
    public static string Equal(TableSpec table, RowKey key, string name, DbCommand command)
    {
        Bind(table, key, name, command);
        return string.Join(" AND ", table.Key.Select((k, i) => $"{SqlDialect.Quote(k.Name)} = @{name}{i}"));
    }

    private static string Compare(TableSpec table, RowKey bound, string name, DbCommand command, string strict, string orEqual)
    {
        Bind(table, bound, name, command);
        var first = $"{SqlDialect.Quote(table.Key[0].Name)} {(table.Key.Count == 1 ? strict : orEqual)} @{name}0";
        return table.Key.Count == 1 ? first : $"{first} AND {Nested(table, name, 0, strict, strict)}";
    }

    /// <summary>From column <paramref name="i"/> on: <c>(k_i OP x_i OR (k_i = x_i AND …last OP_last x_last))</c>.</summary>
    private static string Nested(TableSpec table, string name, int i, string op, string lastOp)
    {
        var column = SqlDialect.Quote(table.Key[i].Name);
        if (i == table.Key.Count - 1)
        {
            return $"{column} {lastOp} @{name}{i}";
        }

        return $"({column} {op} @{name}{i} OR ({column} = @{name}{i} AND {Nested(table, name, i + 1, op, lastOp)}))";
    }

    private static void Bind(TableSpec table, RowKey key, string name, DbCommand command)
    {
        for (var i = 0; i < table.Key.Count; i++)
        {
            AddParameter(command, $"@{name}{i}", key.Values[i]);
        }
    }

    private static void AddParameter(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }
}
