using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Migration.Domain;
using Migration.Infrastructure.Data;
using Migration.Infrastructure.DoubleWrite;

namespace Migration.Infrastructure.Journal;

/// <summary>
/// The write journal of each side (docs/decisions/ADR-007): a table <c>migration_journal</c> in the side's own database,
/// to which the pool appends one entry per row written, in the primary write's transaction — a write that rolls back
/// leaves no entry, and a committed one always has its entry. Entries are numbered by an auto-increment <c>seq</c>,
/// which is assigned when the entry is inserted, not when it commits: readers allow for that (see
/// <see cref="Validation.JournalStrategy"/>).
/// </summary>
internal sealed class WriteJournal(SideDatabases databases)
{
    private const string Table = "`migration_journal`";
    private const string EntryColumns = "`seq`, `table_name`, `row_key`, `op`, `at_ms`";

    /// <summary>Creates the journal table on both sides where it is missing.</summary>
    public async Task EnsureTablesAsync(CancellationToken cancellationToken)
    {
        foreach (var side in new[] { Direction.Src, Direction.Dst })
        {
            await using var connection = await databases[side].OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = databases[side].Dialect.CreateJournalTable;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>Inside the primary's write transaction, after its <c>SaveChanges</c> (keys known): one entry per row, one statement.</summary>
    public static async Task AppendAsync(SideDbContext context, IReadOnlyList<PendingWrite> writes, long atMs, CancellationToken cancellationToken)
    {
        await using var command = context.Database.GetDbConnection().CreateCommand();
        command.Transaction = context.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("The journal is written inside the write's transaction.");
        var sql = new StringBuilder($"INSERT INTO {Table} (`table_name`, `row_key`, `op`, `at_ms`, `origin`) VALUES ");
        for (var i = 0; i < writes.Count; i++)
        {
            sql.Append(i == 0 ? "" : ", ").Append(CultureInfo.InvariantCulture, $"(@t{i}, @k{i}, @o{i}, @at, @origin)");
            Add(command, $"@t{i}", writes[i].Table);
            Add(command, $"@k{i}", JournalKey.Encode(writes[i].RowKey));
            Add(command, $"@o{i}", writes[i].JournalOp);
        }

        Add(command, "@at", atMs);
        Add(command, "@origin", JournalOrigin.Pool);
        command.CommandText = sql.ToString();
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Entries of <paramref name="table"/> after <paramref name="after"/>, in <c>seq</c> order, at most <paramref name="limit"/>.</summary>
    public Task<List<JournalEntry>> ReadAsync(Direction side, string table, long after, int limit, CancellationToken cancellationToken) =>
        QueryAsync(side, string.Create(CultureInfo.InvariantCulture,
                $"SELECT {EntryColumns} FROM {Table} WHERE `table_name` = @t AND `seq` > @after ORDER BY `seq` LIMIT {limit}"),
            Entry,
            cancellationToken, ("@t", table), ("@after", after));

    /// <summary>
    /// The numbers alone of the entries <see cref="ReadAsync(Direction, string, long, int, CancellationToken)"/> reads
    /// (from the index on table and number): what a reader that has most of them already looks through.
    /// </summary>
    public Task<List<long>> ReadNumbersAsync(Direction side, string table, long after, int limit, CancellationToken cancellationToken) =>
        QueryAsync(side, string.Create(CultureInfo.InvariantCulture,
                $"SELECT `seq` FROM {Table} WHERE `table_name` = @t AND `seq` > @after ORDER BY `seq` LIMIT {limit}"),
            reader => Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture),
            cancellationToken, ("@t", table), ("@after", after));

    /// <summary>The entries numbered <paramref name="numbers"/> (a list from <see cref="ReadNumbersAsync"/>), in <c>seq</c> order.</summary>
    public async Task<List<JournalEntry>> ReadAsync(Direction side, IReadOnlyCollection<long> numbers, CancellationToken cancellationToken)
    {
        var entries = new List<JournalEntry>(numbers.Count);
        foreach (var chunk in numbers.Chunk(1_000))
        {
            entries.AddRange(await QueryAsync(side,
                $"SELECT {EntryColumns} FROM {Table} WHERE `seq` IN ({string.Join(", ", chunk.Select(n => n.ToString(CultureInfo.InvariantCulture)))})",
                Entry,
                cancellationToken));
        }

        entries.Sort((a, b) => a.Seq.CompareTo(b.Seq));
        return entries;
    }

    /// <summary>
    /// The largest <c>seq</c> after <paramref name="after"/> of an entry (of any table) written before
    /// <paramref name="beforeMs"/>, or <paramref name="after"/> when there is none.
    /// </summary>
    public Task<long> LastBeforeAsync(Direction side, long after, long beforeMs, CancellationToken cancellationToken) =>
        ScalarAsync(side, $"SELECT COALESCE(MAX(`seq`), @after) FROM {Table} WHERE `seq` > @after AND `at_ms` < @before",
            cancellationToken, ("@after", after), ("@before", beforeMs));

    /// <summary>Where a new run starts reading: the largest <c>seq</c> of an entry written before <paramref name="sinceMs"/>, else 0.</summary>
    public Task<long> StartAsync(Direction side, long sinceMs, CancellationToken cancellationToken) =>
        ScalarAsync(side, $"SELECT COALESCE(MAX(`seq`), 0) FROM {Table} WHERE `at_ms` < @before", cancellationToken, ("@before", sinceMs));

    /// <summary>How many entries the side's journal holds and when the oldest was written (null when empty).</summary>
    public async Task<(long Rows, long? OldestAtMs)> MeasureAsync(Direction side, CancellationToken cancellationToken) =>
        (await QueryAsync(side, $"SELECT COUNT(*), MIN(`at_ms`) FROM {Table}", reader => (
                Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture),
                reader.IsDBNull(1) ? (long?)null : Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture)),
            cancellationToken))[0];

    /// <summary>
    /// When the oldest entry of <paramref name="table"/> after <paramref name="after"/> was written, or null when there
    /// is none: the start of what a run has not verified yet.
    /// </summary>
    public async Task<long?> OldestAfterAsync(Direction side, string table, long after, CancellationToken cancellationToken)
    {
        var at = await ScalarAsync(side, $"SELECT COALESCE(MIN(`at_ms`), -1) FROM {Table} WHERE `table_name` = @t AND `seq` > @after",
            cancellationToken, ("@t", table), ("@after", after));
        return at < 0 ? null : at;
    }

    /// <summary>Deletes entries up to <paramref name="upTo"/> written before <paramref name="beforeMs"/>, batch by batch; returns how many.</summary>
    public async Task<long> TrimAsync(Direction side, long upTo, long beforeMs, int batch, CancellationToken cancellationToken)
    {
        long deleted = 0;
        while (true)
        {
            await using var connection = await databases[side].OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = databases[side].Dialect.TrimJournal(batch);
            Add(command, "@upTo", upTo);
            Add(command, "@before", beforeMs);
            var n = await command.ExecuteNonQueryAsync(cancellationToken);
            deleted += n;
            if (n < batch)
            {
                return deleted;
            }
        }
    }

    private static JournalEntry Entry(DbDataReader reader) => new(
        Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture), reader.GetString(1), reader.GetString(2), reader.GetString(3),
        Convert.ToInt64(reader.GetValue(4), CultureInfo.InvariantCulture));

    private async Task<List<T>> QueryAsync<T>(
        Direction side, string sql, Func<DbDataReader, T> read, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var connection = await databases[side].OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            Add(command, name, value);
        }

        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    private async Task<long> ScalarAsync(Direction side, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters) =>
        (await QueryAsync(side, sql, reader => Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture), cancellationToken, parameters))[0];

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
