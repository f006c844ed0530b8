using System.Data.Common;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Migration.Infrastructure.Data;
using Migration.Infrastructure.Options;

namespace Migration.Infrastructure.State;

/// <summary>
/// A control database made by an older version lacks the tables added since (<c>EnsureCreated</c> creates nothing in
/// a database that has tables): each missing one is created at start, with its indexes, from the model's own script.
/// Tables already there are left as they are.
/// </summary>
internal static partial class ControlSchema
{
    public static async Task<IReadOnlyList<string>> CreateMissingTablesAsync(ControlDbContext context, DatabaseProvider provider, CancellationToken cancellationToken)
    {
        var tables = context.Model.GetEntityTypes().Select(e => e.GetTableName()).OfType<string>().Distinct().ToList();
        var connection = context.Database.GetDbConnection();
        await context.Database.OpenConnectionAsync(cancellationToken);
        var missing = new List<string>();
        try
        {
            foreach (var table in tables)
            {
                if (!await ExistsAsync(connection, provider, table, cancellationToken))
                {
                    missing.Add(table);
                }
            }
        }
        finally
        {
            await context.Database.CloseConnectionAsync();
        }

        if (missing.Count == 0)
        {
            return missing;
        }

        var statements = Statement().Split(context.Database.GenerateCreateScript())
            .Select(s => s.Trim())
            .Where(s => s.Length > 0 && missing.Any(t => Creates(s, t)))
            .ToList();
        foreach (var statement in statements)
        {
            await context.Database.ExecuteSqlRawAsync(statement, cancellationToken);
        }

        return missing;
    }

    private static async Task<bool> ExistsAsync(DbConnection connection, DatabaseProvider provider, string table, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = provider == DatabaseProvider.MySql
            ? SqlDialect.MySql.TableExists
            : "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = @t";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@t";
        parameter.Value = table;
        command.Parameters.Add(parameter);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) > 0;
    }

    /// <summary>A <c>CREATE TABLE</c> of the table, or a <c>CREATE [UNIQUE] INDEX … ON</c> it, whichever quotes the engine uses.</summary>
    private static bool Creates(string statement, string table)
    {
        var quoted = $"(`{table}`|\"{table}\")";
        return Regex.IsMatch(statement, $@"^CREATE TABLE {quoted}\s*\(", RegexOptions.IgnoreCase)
            || Regex.IsMatch(statement, $@"^CREATE (UNIQUE )?INDEX \S+ ON {quoted}\s*\(", RegexOptions.IgnoreCase);
    }

    /// <summary>The generated script's statements end with a semicolon at the end of a line.</summary>
    [GeneratedRegex(@";\s*(\r?\n|$)")]
    private static partial Regex Statement();
}
