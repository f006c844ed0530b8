using System.Data.Common;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Migration.Application.Abstractions;
using Migration.Application.Common;
using Migration.Domain;
using Migration.Infrastructure.Options;
using Migration.Infrastructure.State;

namespace Migration.Infrastructure.Data;

/// <summary>
/// Before the API serves: creates the control database's tables, and the schema on a side that has no tables yet (the embedded default's first
/// run), and seeds the demo <c>users</c> table with known drift when both sides are empty and seeding is on.
/// </summary>
internal sealed partial class DatabaseInitializer(
    SideDatabases databases,
    ControlDatabase control,
    IOptions<MigrationOptions> options,
    ITableCatalog catalog,
    TimeProvider time,
    ILogger<DatabaseInitializer> logger) : IHostedLifecycleService
{
    /// <summary>
    /// Runs before any hosted service starts, so they all find their tables. A database that cannot be used stops the
    /// start with a <see cref="DatabaseStartupException"/> naming it, where it is and why.
    /// </summary>
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        await OnControlAsync(async () =>
        {
            await using var controlContext = control.CreateContext();
            if (!await controlContext.Database.EnsureCreatedAsync(cancellationToken)
                && await ControlSchema.CreateMissingTablesAsync(controlContext, control.Provider, cancellationToken) is { Count: > 0 } added)
            {
                LogControlTablesAdded(string.Join(", ", added));
            }
            if (controlContext.Database.IsSqlite())
            {
                // The outbox is written by validation and the relay at once, possibly from several processes.
                await controlContext.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
            }
        });

        foreach (var side in new[] { Direction.Src, Direction.Dst })
        {
            await OnSideAsync(side, async () =>
            {
                await using var context = databases[side].CreateContext();
                await context.Database.EnsureCreatedAsync(cancellationToken);
                if (databases[side].Provider == DatabaseProvider.Sqlite)
                {
                    // WAL lets validation read while the repair writes.
                    await context.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
                }
            });
            await OnSideAsync(side, () => EnsureTablesExistAsync(side, cancellationToken),
                options.Value.Tables.Count > 0 ? "Migration:Tables" : "Migration:Table");
        }

        var seed = options.Value.Seed;
        if (seed.Enabled && options.Value.Table == "users"
            && await OnSideAsync(Direction.Src, () => CountAsync(Direction.Src, cancellationToken)) == 0
            && await OnSideAsync(Direction.Dst, () => CountAsync(Direction.Dst, cancellationToken)) == 0)
        {
            var started = time.GetTimestamp();
            var (source, target) = await SeedAsync(seed.Rows, cancellationToken);
            LogSeeded(source, target, DemoDrift.TargetMissing(seed.Rows).Count(), DemoDrift.Changed(seed.Rows).Count(),
                DemoDrift.BaseMissing(seed.Rows).Count(), time.GetElapsedTime(started).TotalSeconds);
        }
    }

    /// <summary>
    /// Resolves the configured tables once the schemas are in place, so the log shows one line per table (and per table
    /// "*" leaves out). A table that cannot be compared does not stop the service: each start of a run refuses it with
    /// 409 naming the table and column, and it is logged here.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await catalog.ResolveAsync(cancellationToken);
        }
        catch (TableShapeException ex)
        {
            foreach (var problem in ex.Problems)
            {
                LogShapeProblem(problem.ToString());
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Each run reads the schemas again, retrying.
            LogCatalogUnread(ex);
        }
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Every configured table (but <c>*</c>) is on the side: a missing one stops the start, not the first run.</summary>
    private async Task EnsureTablesExistAsync(Direction side, CancellationToken cancellationToken)
    {
        await using var connection = await databases[side].OpenAsync(cancellationToken);
        foreach (var table in options.Value.TableEntries.Select(t => t.Name).Where(name => name != "*").Distinct())
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT 1 FROM `{table.Replace("`", "``", StringComparison.Ordinal)}` WHERE 1 = 0";
            await command.ExecuteScalarAsync(cancellationToken);
        }
    }

    private async Task OnControlAsync(Func<Task> step)
    {
        try
        {
            await step();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var setting = string.IsNullOrWhiteSpace(options.Value.Control.ConnectionString) ? "Migration:DataDirectory" : "Migration:Control:ConnectionString";
            throw await DatabaseDiagnosis.DescribeAsync("control", control.Provider, control.ConnectionString, setting, ex);
        }
    }

    /// <param name="setting">The key to check when the step fails; default the side's connection string (or the data folder).</param>
    private async Task<T> OnSideAsync<T>(Direction side, Func<Task<T>> step, string? setting = null)
    {
        try
        {
            return await step();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var (key, configured) = side == Direction.Src ? ("Source", options.Value.Source) : ("Target", options.Value.Target);
            setting ??= string.IsNullOrWhiteSpace(configured.ConnectionString) ? "Migration:DataDirectory" : $"Migration:{key}:ConnectionString";
            throw await DatabaseDiagnosis.DescribeAsync(
                DatabaseDiagnosis.Name(side), databases[side].Provider, databases[side].ConnectionString, setting, ex);
        }
    }

    private Task OnSideAsync(Direction side, Func<Task> step, string? setting = null) => OnSideAsync(side, async () =>
    {
        await step();
        return true;
    }, setting);

    private async Task<long> CountAsync(Direction side, CancellationToken cancellationToken)
    {
        await using var connection = await databases[side].OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM `users`";
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    private async Task<(int Source, int Target)> SeedAsync(int rows, CancellationToken cancellationToken)
    {
        var seededAt = time.GetUtcNow().ToUnixTimeMilliseconds() - rows;
        var source = await InsertAsync(Direction.Src, rows, seededAt, id => !DemoDrift.IsBaseMissing(id), static _ => false, cancellationToken);
        var target = await InsertAsync(Direction.Dst, rows, seededAt, id => !DemoDrift.IsTargetMissing(id), DemoDrift.IsChanged, cancellationToken);
        return (source, target);
    }

    private async Task<int> InsertAsync(
        Direction side, int rows, long seededAt, Func<long, bool> include, Func<long, bool> changed, CancellationToken cancellationToken)
    {
        await using var connection = await databases[side].OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO `users` (`id`, `name`, `email`, `age`, `balance`, `ctime`, `utime`) VALUES (@id, @name, @email, @age, @balance, @ctime, @utime)";
        var parameters = new[] { "@id", "@name", "@email", "@age", "@balance", "@ctime", "@utime" }.Select(name =>
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            command.Parameters.Add(p);
            return p;
        }).ToArray();
        var count = 0;
        for (long id = 1; id <= rows; id++)
        {
            if (!include(id))
            {
                continue;
            }

            var drifted = changed(id);
            SetRow(parameters, id, drifted, seededAt);
            await command.ExecuteNonQueryAsync(cancellationToken);
            count++;
        }

        await transaction.CommitAsync(cancellationToken);
        return count;
    }

    private static void SetRow(DbParameter[] p, long id, bool drifted, long seededAt)
    {
        p[0].Value = id;
        p[1].Value = $"User {id}";
        p[2].Value = drifted ? $"USER{id}@EXAMPLE.COM" : $"user{id}@example.com";
        p[3].Value = (int)(18 + (id % 60));
        // SQLite keeps decimals as text in EF Core's format; MySQL takes the decimal itself.
        var balance = (id * 7919 % 1_000_000) / 100m + (drifted ? 1m : 0m);
        p[4].Value = p[4] is Microsoft.Data.Sqlite.SqliteParameter ? balance.ToString(CultureInfo.InvariantCulture) : balance;
        p[5].Value = seededAt + id;
        p[6].Value = seededAt + id;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A configured table cannot be compared, and runs will be refused until it is fixed: {Problem}")]
    private partial void LogShapeProblem(string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the configured tables' schemas at start; each run reads them again")]
    private partial void LogCatalogUnread(Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "The control database was made by an older version: added the table(s) {Tables}")]
    private partial void LogControlTablesAdded(string tables);

    [LoggerMessage(Level = LogLevel.Information, Message = "Seeded the demo users table: {Source} rows in the source, {Target} in the target; planted drift: {TargetMissing} target_missing, {Neq} neq, {BaseMissing} base_missing ({Seconds:F1} s)")]
    private partial void LogSeeded(int source, int target, int targetMissing, int neq, int baseMissing, double seconds);
}

/// <summary>
/// Where the demo data differs between the sides (ids 1..rows): every 100th row from 17 is missing in the
/// target, every 250th from 33 has a different email and balance in the target, and every 500th from 250 exists
/// only in the target.
/// </summary>
internal static class DemoDrift
{
    public static bool IsTargetMissing(long id) => id % 100 == 17;

    public static bool IsChanged(long id) => id % 250 == 33;

    public static bool IsBaseMissing(long id) => id % 500 == 250;

    public static IEnumerable<long> TargetMissing(int rows) => Ids(rows).Where(IsTargetMissing);

    public static IEnumerable<long> Changed(int rows) => Ids(rows).Where(IsChanged);

    public static IEnumerable<long> BaseMissing(int rows) => Ids(rows).Where(IsBaseMissing);

    private static IEnumerable<long> Ids(int rows) => Enumerable.Range(1, rows).Select(i => (long)i);
}
