using System.Data.Common;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using Migration.Domain;
using Migration.Infrastructure.Data;

namespace Migration.Infrastructure.DoubleWrite;

/// <summary>
/// One id authority (docs/decisions/ADR-005). Each side holds a one-row table, <c>migration_fence</c>, naming the side
/// that assigns keys: the primary of the pattern in force. A write through the pool reads the fence of its primary inside
/// its own transaction (holding it on MySQL) and goes ahead only if the fence names that side, so the old and the new
/// primary never both assign ids: moving the fence waits for every write transaction that read it, and every later one
/// sees the move and retries on the new primary.
/// <para>
/// <see cref="AlignAsync"/> moves the fences to a new primary Q from the old one P, in an order that keeps both
/// properties: first P's fence (no id is assigned on P any more once it returns), then Q's key counters are raised above
/// the largest key P holds (so Q never hands out an id that P already gave away, even one whose copy to Q is still in
/// flight or failed), and only then Q's fence (from now on Q assigns ids). Every step is idempotent, so an instance that
/// finds the fences behind the stored pattern (a switch interrupted halfway) completes them.
/// </para>
/// </summary>
internal sealed partial class WriteFence(SideDatabases databases, TimeProvider time, ILogger<WriteFence> logger)
{
    private readonly Lazy<IReadOnlyList<(string Table, string KeyColumn)>> _generatedKeyTables = new(() => ReadGeneratedKeyTables(databases));

    /// <summary>Creates the fence table on both sides where it is missing.</summary>
    public async Task EnsureTablesAsync(CancellationToken cancellationToken)
    {
        foreach (var side in new[] { Direction.Src, Direction.Dst })
        {
            await using var connection = await databases[side].OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = databases[side].Dialect.CreateFenceTable;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Inside the primary's write transaction: throws <see cref="FenceMovedException"/> unless the side's fence names the
    /// side itself. On MySQL the fence row stays share-locked until the transaction ends.
    /// </summary>
    public async Task CheckAsync(SideDbContext context, SideDatabase side, CancellationToken cancellationToken)
    {
        await using var command = context.Database.GetDbConnection().CreateCommand();
        command.Transaction = context.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("The fence is read inside the write's transaction.");
        command.CommandText = side.Dialect.ReadFence(forWrite: true);
        var owner = await command.ExecuteScalarAsync(cancellationToken) as string;
        if (owner != side.Side.ToWire())
        {
            throw new FenceMovedException(side.Side, owner);
        }
    }

    /// <summary>The side each fence names (null where it has none yet).</summary>
    public async Task<(string? Source, string? Target)> ReadAsync(CancellationToken cancellationToken) =>
        (await ReadAsync(Direction.Src, cancellationToken), await ReadAsync(Direction.Dst, cancellationToken));

    /// <summary>
    /// Moves both fences to <paramref name="primary"/> if they are not there yet. Returns true when it moved anything.
    /// </summary>
    public async Task<bool> AlignAsync(Direction primary, CancellationToken cancellationToken)
    {
        var old = primary.Other();
        var oldFence = await ReadAsync(old, cancellationToken);
        var newFence = await ReadAsync(primary, cancellationToken);
        var owner = primary.ToWire();
        if (oldFence == owner && newFence == owner)
        {
            return false;
        }

        if (oldFence != owner)
        {
            await SetAsync(old, primary, cancellationToken);
        }

        if (newFence != owner)
        {
            await RaiseFloorsAsync(old, primary, cancellationToken);
            await SetAsync(primary, primary, cancellationToken);
        }

        LogAligned(owner, oldFence ?? "none", newFence ?? "none");
        return true;
    }

    private async Task<string?> ReadAsync(Direction side, CancellationToken cancellationToken)
    {
        await using var connection = await databases[side].OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = databases[side].Dialect.ReadFence(forWrite: false);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    private async Task SetAsync(Direction side, Direction owner, CancellationToken cancellationToken)
    {
        await using var connection = await databases[side].OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = databases[side].Dialect.SetFence;
        AddParameter(command, "@side", owner.ToWire());
        AddParameter(command, "@at", time.GetUtcNow().ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Raises every generated key counter of <paramref name="to"/> above the largest key <paramref name="from"/> holds.</summary>
    private async Task RaiseFloorsAsync(Direction from, Direction to, CancellationToken cancellationToken)
    {
        await using var source = await databases[from].OpenAsync(cancellationToken);
        await using var target = await databases[to].OpenAsync(cancellationToken);
        foreach (var (table, keyColumn) in _generatedKeyTables.Value)
        {
            if (!await ExistsAsync(source, databases[from].Dialect, table, cancellationToken)
                || !await ExistsAsync(target, databases[to].Dialect, table, cancellationToken))
            {
                continue;
            }

            await using var max = source.CreateCommand();
            max.CommandText = SqlDialect.MaxKey(table, keyColumn);
            var floor = Convert.ToInt64(await max.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
            await using var raise = target.CreateCommand();
            raise.CommandText = databases[to].Dialect.RaiseIdFloor(table, floor);
            await raise.ExecuteNonQueryAsync(cancellationToken);
            LogFloorRaised(table, to.ToWire(), floor, from.ToWire());
        }
    }

    private static async Task<bool> ExistsAsync(DbConnection connection, SqlDialect dialect, string table, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = dialect.TableExists;
        AddParameter(command, "@t", table);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) > 0;
    }

    /// <summary>The tables of the pool's model whose key the database generates: the ones an id authority matters for.</summary>
    private static IReadOnlyList<(string, string)> ReadGeneratedKeyTables(SideDatabases databases)
    {
        using var context = databases[Direction.Src].CreateContext();
        return context.Model.GetEntityTypes()
            .Select(type => (Type: type, Key: type.FindPrimaryKey()))
            .Where(x => x.Key is { Properties: [{ ValueGenerated: ValueGenerated.OnAdd } property] } && IsInteger(property.ClrType))
            .Select(x => (x.Type.GetTableName()!, x.Key!.Properties[0].GetColumnName()))
            .ToArray();
    }

    private static bool IsInteger(Type type) => type == typeof(long) || type == typeof(int) || type == typeof(short);

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Write fences moved to {Primary} (they named {OldSideFence} on the old primary, {NewSideFence} on the new one)")]
    private partial void LogAligned(string primary, string oldSideFence, string newSideFence);

    [LoggerMessage(Level = LogLevel.Information, Message = "Keys of {Table} on {Side} now start above {Floor}, the largest on {From}")]
    private partial void LogFloorRaised(string table, string side, long floor, string from);
}

/// <summary>The side a write was about to commit on no longer assigns ids: a pattern switch moved the fence.</summary>
internal sealed class FenceMovedException(Direction side, string? owner)
    : Exception($"The write fence of {side.ToWire()} names {owner ?? "no side"}: a pattern switch is moving the primary.")
{
    /// <summary>The side the write was about to commit on.</summary>
    public Direction Side { get; } = side;
}
