using System.Data.Common;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Migration.Infrastructure.State;

/// <summary>
/// Multi-row <c>INSERT</c>s of new rows into a control table, through EF Core's own mapping (table and column names,
/// each property's type mapping, so a value is stored exactly as <c>SaveChanges</c> would store it) but without change
/// tracking and without reading generated keys back: one statement per <see cref="RowsPerStatement"/> rows instead of
/// one insert and one key read per row. Runs in the context's current transaction.
/// </summary>
internal static class BulkInsert
{
    /// <summary>Rows per statement: well under SQLite's 32,766 and MySQL's 65,535 parameters for the widest row here.</summary>
    private const int RowsPerStatement = 500;

    public static async Task InsertAsync<T>(ControlDbContext context, IReadOnlyCollection<T> rows, CancellationToken cancellationToken)
        where T : class
    {
        if (rows.Count == 0)
        {
            return;
        }

        var entity = context.Model.FindEntityType(typeof(T))
            ?? throw new InvalidOperationException($"{typeof(T).Name} is not mapped in the control database's model.");
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        // Every property but a key the database generates.
        var properties = entity.GetProperties().Where(p => !(p.IsPrimaryKey() && p.ValueGenerated != ValueGenerated.Never)).ToArray();
        var sql = context.GetService<ISqlGenerationHelper>();
        var head = $"INSERT INTO {sql.DelimitIdentifier(table.Name, table.Schema)} " +
            $"({string.Join(", ", properties.Select(p => sql.DelimitIdentifier(p.GetColumnName(table)!)))}) VALUES ";

        await context.Database.OpenConnectionAsync(cancellationToken);
        var connection = context.Database.GetDbConnection();
        foreach (var chunk in rows.Chunk(RowsPerStatement))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = context.Database.CurrentTransaction?.GetDbTransaction();
            command.CommandTimeout = context.Database.GetCommandTimeout() ?? command.CommandTimeout;
            var text = new StringBuilder(head);
            var n = 0;
            foreach (var row in chunk)
            {
                text.Append(n == 0 ? "(" : ", (");
                for (var i = 0; i < properties.Length; i++)
                {
                    var name = $"@p{n++}";
                    command.Parameters.Add(Parameter(command, properties[i], name, row));
                    text.Append(i == 0 ? name : $", {name}");
                }

                text.Append(')');
            }

            command.CommandText = text.ToString();
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static DbParameter Parameter(DbCommand command, IProperty property, string name, object row) =>
        property.GetRelationalTypeMapping().CreateParameter(command, name, property.GetGetter().GetClrValue(row), property.IsNullable);
}
