using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Migration.Application.Abstractions;
using Migration.Application.Common;
using Migration.Domain;
using Migration.Infrastructure.Data;

namespace Migration.Infrastructure.Journal;

/// <summary>
/// Change capture by triggers on the source (docs/journal.md). Each configured table gets three triggers named
/// <c>migration_&lt;table&gt;_ai|au|ad</c>, which never collide with the application's own (MariaDB 10.2.3+ and MySQL
/// 5.7+ allow several triggers per table and event). Each appends the row's key in <see cref="JournalKey"/>'s form to
/// the source's journal, in the writer's transaction: one more insert per row written. Installing creates only the
/// missing ones; removing drops the service's own.
/// </summary>
internal sealed partial class TriggerChangeCapture(SideDatabases databases, ITableCatalog catalog, ILogger<TriggerChangeCapture> logger) : IChangeCapture
{
    private static readonly char[] _ops = ['I', 'U', 'D'];

    private SideDatabase Source => databases[Direction.Src];

    public async Task<ChangeCaptureDto> InstallAsync(CancellationToken cancellationToken)
    {
        var tables = (await catalog.ResolveAsync(cancellationToken)).Tables;
        if (tables.Count == 0)
        {
            throw new ConflictException("No table is configured that both sides have (Migration:Tables): there is nothing to capture.");
        }

        await using var connection = await Source.OpenAsync(cancellationToken);
        var existing = (await ListAsync(connection, cancellationToken)).Select(t => t.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var created = new List<string>();
        foreach (var table in tables)
        {
            foreach (var op in _ops)
            {
                var name = TriggerName(table.Name, op);
                if (existing.Contains(name))
                {
                    continue;
                }

                await ExecuteAsync(connection, Source.Dialect.CreateJournalTrigger(table, name, op), "TRIGGER", table.Name, cancellationToken);
                created.Add(name);
            }
        }

        LogInstalled(created.Count, string.Join(", ", tables.Select(t => t.Name)));
        return new ChangeCaptureDto(tables.Select(t => t.Name).ToArray(), created);
    }

    public async Task<ChangeCaptureDto> RemoveAsync(CancellationToken cancellationToken)
    {
        await using var connection = await Source.OpenAsync(cancellationToken);
        var dropped = new List<string>();
        foreach (var (table, name) in await ListAsync(connection, cancellationToken))
        {
            await ExecuteAsync(connection, SqlDialect.DropTrigger(name), "TRIGGER", table, cancellationToken);
            dropped.Add(name);
        }

        LogRemoved(dropped.Count);
        return new ChangeCaptureDto([], dropped);
    }

    /// <summary>The configured tables that have all three triggers on the source.</summary>
    public async Task<IReadOnlyList<string>> InstalledAsync(IEnumerable<string> tables, CancellationToken cancellationToken)
    {
        await using var connection = await Source.OpenAsync(cancellationToken);
        var names = (await ListAsync(connection, cancellationToken)).Select(t => t.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return tables.Where(t => _ops.All(op => names.Contains(TriggerName(t, op)))).ToArray();
    }

    /// <summary><c>migration_&lt;table&gt;_ai</c> (…<c>_au</c>, …<c>_ad</c>); a long table name is shortened with a hash of it (64 characters at most).</summary>
    public static string TriggerName(string table, char op)
    {
        var suffix = op switch { 'I' => "_ai", 'U' => "_au", _ => "_ad" };
        var name = $"migration_{table}{suffix}";
        if (name.Length <= 64)
        {
            return name;
        }

        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(table)))[..8].ToLowerInvariant();
        return $"migration_{table[..(64 - "migration_".Length - 9 - suffix.Length)]}_{hash}{suffix}";
    }

    private async Task<List<(string Table, string Name)>> ListAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Source.Dialect.ListJournalTriggers;
        var triggers = new List<(string, string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            triggers.Add((reader.GetString(0), reader.GetString(1)));
        }

        return triggers;
    }

    private async Task ExecuteAsync(DbConnection connection, string sql, string privilege, string table, CancellationToken cancellationToken)
    {
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (Exception ex) when (Source.Dialect.IsPrivilegeDenied(ex))
        {
            var account = await AccountAsync(connection, cancellationToken);
            throw new ConflictException(
                $"The source account {account} lacks the {privilege} privilege on {table}: change capture needs it to create and drop triggers " +
                $"(GRANT {privilege} ON <database>.* TO {account}). The server said: {ex.GetBaseException().Message}",
                new Dictionary<string, object?> { ["account"] = account, ["privilege"] = privilege, ["table"] = table });
        }
    }

    private static async Task<string> AccountAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT CURRENT_USER()";
            return await command.ExecuteScalarAsync(cancellationToken) as string ?? "(unknown)";
        }
        catch (DbException)
        {
            return "(unknown)";
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Change capture: {Created} trigger(s) created on the source; tables {Tables} are captured")]
    private partial void LogInstalled(int created, string tables);

    [LoggerMessage(Level = LogLevel.Information, Message = "Change capture: {Dropped} trigger(s) dropped from the source")]
    private partial void LogRemoved(int dropped);
}
