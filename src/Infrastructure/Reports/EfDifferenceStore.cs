using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Migration.Application.Abstractions;
using Migration.Domain;
using Migration.Domain.Inconsistencies;
using Migration.Domain.Tables;
using Migration.Infrastructure.Events;
using Migration.Infrastructure.Options;
using Migration.Infrastructure.Outbox;
using Migration.Infrastructure.Repair;
using Migration.Infrastructure.State;

namespace Migration.Infrastructure.Reports;

/// <summary>
/// Stored differences in the control database (<c>migration_differences</c>), shared by every instance: the publisher
/// adds them with their events, the repair reports each event's outcome by its id, and the API lists them and hands
/// open ones to the repair again.
/// </summary>
internal sealed class EfDifferenceStore(
    ControlDatabase control, OutboxSignal signal, RepairMonitor repairs, IOptions<MigrationOptions> options, TimeProvider time) : IDifferenceStore
{
    /// <summary>Differences handed to the repair again per transaction.</summary>
    private const int RequeueBatch = 500;

    private static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web);
    private static readonly string _pending = DifferenceOutcome.Pending.ToWire();
    private static readonly string _conflict = DifferenceOutcome.Conflict.ToWire();

    // Only where this process repairs in process does its backlog count what it puts into the outbox.
    private readonly bool _countsBacklog = !options.Value.Kafka.Enabled && options.Value.Roles.RunsRepair();

    /// <summary>The events' differences as rows to store, in the transaction that stores their outbox rows.</summary>
    public static List<DifferenceRecord> Records(IEnumerable<InconsistentEvent> events) =>
        events.Select(e => new DifferenceRecord
        {
            RunId = e.RunId,
            EventId = e.EventId,
            Table = e.Table,
            Key = Cut(e.Key.ToText(), DifferenceRecord.KeyLength),
            KeyColumns = KeyObject(e.Key),
            Type = e.Type.ToWire(),
            BaseSide = e.Direction.ToWire(),
            Columns = JsonSerializer.Serialize(e.Differences.Select(d => new StoredColumn(d.Column, d.Base, d.Other)), _json),
            DetectedAtMs = e.DetectedAt.ToUnixTimeMilliseconds(),
            Outcome = _pending,
        }).ToList();

    /// <summary>
    /// What the repair did with these events, in one statement per thousand; a difference stored by no one (another
    /// producer's event) is no error. Read committed: the update locks the rows it changes and no gaps between them, so
    /// it never waits for (nor deadlocks with) a publisher inserting new differences beside them.
    /// </summary>
    public async Task RecordOutcomesAsync(IReadOnlyCollection<Guid> eventIds, DifferenceOutcome outcome, CancellationToken cancellationToken)
    {
        var wire = outcome.ToWire();
        long? now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var context = control.CreateContext();
        await using var transaction = await context.Database.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, cancellationToken);
        foreach (var chunk in eventIds.Chunk(1_000))
        {
            await context.Set<DifferenceRecord>()
                .Where(d => chunk.Contains(d.EventId))
                .ExecuteUpdateAsync(set => set.SetProperty(d => d.Outcome, wire).SetProperty(d => d.OutcomeAtMs, now), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<StoredDifference>> ListAsync(DifferenceFilter filter, long? after, int limit, CancellationToken cancellationToken)
    {
        await using var context = control.CreateContext();
        var query = Matching(context.Set<DifferenceRecord>().AsNoTracking(), filter);
        if (after is { } id)
        {
            query = query.Where(d => d.Id < id);
        }

        var rows = await query.OrderByDescending(d => d.Id).Take(limit).ToListAsync(cancellationToken);
        return rows.ConvertAll(ToStored);
    }

    public async Task<IReadOnlyDictionary<DifferenceOutcome, long>> CountOutcomesAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using var context = control.CreateContext();
        var counts = await context.Set<DifferenceRecord>().AsNoTracking()
            .Where(d => d.RunId == runId)
            .GroupBy(d => d.Outcome)
            .Select(g => new { Outcome = g.Key, Count = g.LongCount() })
            .ToListAsync(cancellationToken);
        return counts
            .Select(c => (Known: DifferenceOutcomeExtensions.TryParseWire(c.Outcome, out var outcome), outcome, c.Count))
            .Where(c => c.Known)
            .ToDictionary(c => c.outcome, c => c.Count);
    }

    public async Task<DifferenceRequeue> RequeueAsync(
        DifferenceFilter filter, IReadOnlyCollection<string>? keys, Direction? winner, CancellationToken cancellationToken)
    {
        var requeued = 0L;
        var matched = new HashSet<string>(StringComparer.Ordinal);
        var after = 0L;
        while (true)
        {
            var (count, last) = await RequeueBatchAsync(filter, keys, winner, after, matched, cancellationToken);
            requeued += count;
            if (count < RequeueBatch)
            {
                break;
            }

            after = last;
        }

        if (requeued > 0)
        {
            signal.Notify();
        }

        return new DifferenceRequeue(requeued, keys?.Where(k => !matched.Contains(k)).Distinct().ToArray() ?? []);
    }

    /// <summary>The open differences that match with an id above <paramref name="after"/>, at most a batch, into the outbox in one transaction.</summary>
    private async Task<(int Count, long Last)> RequeueBatchAsync(
        DifferenceFilter filter, IReadOnlyCollection<string>? keys, Direction? winner, long after, HashSet<string> matched,
        CancellationToken cancellationToken)
    {
        await using var context = control.CreateContext();
        await using var transaction = await context.Database.BeginTransactionAsync(cancellationToken);
        string[] open = filter.Outcome is { } only ? [only.ToWire()] : [_pending, _conflict];
        var query = Matching(context.Set<DifferenceRecord>(), filter with { Outcome = null })
            .Where(d => d.Id > after && EF.Constant(open).Contains(d.Outcome));
        if (keys is not null)
        {
            var list = keys.ToArray();
            query = query.Where(d => EF.Constant(list).Contains(d.Key));
        }

        var batch = await query.OrderBy(d => d.Id).Take(RequeueBatch).ToListAsync(cancellationToken);
        if (batch.Count == 0)
        {
            return (0, after);
        }

        var now = time.GetUtcNow();
        foreach (var difference in batch)
        {
            var e = Event(difference, winner, now);
            context.Add(new OutboxMessage
            {
                EventId = e.EventId,
                Key = Cut(e.MessageKey, 200),
                Payload = InconsistentEventSerializer.Serialize(e),
                CreatedAtMs = now.ToUnixTimeMilliseconds(),
            });
            difference.Outcome = _pending;
            difference.OutcomeAtMs = DifferenceRecord.NoOutcomeYet;
            matched.Add(difference.Key);
        }

        await context.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (_countsBacklog)
        {
            repairs.Published(batch.Count);
        }

        return (batch.Count, batch[^1].Id);
    }

    /// <summary>
    /// The event that repairs a stored difference now: the same id (the repair reports the outcome by it), confirmed
    /// now, with the winner (or the difference's own base) as the base side and the type as seen from it.
    /// </summary>
    private static InconsistentEvent Event(DifferenceRecord d, Direction? winner, DateTimeOffset now)
    {
        InconsistencyTypeExtensions.TryParseWire(d.Type, out var type);
        DirectionExtensions.TryParseWire(d.BaseSide, out var stored);
        var side = winner ?? stored;
        if (side != stored)
        {
            type = type switch
            {
                InconsistencyType.TargetMissing => InconsistencyType.BaseMissing,
                InconsistencyType.BaseMissing => InconsistencyType.TargetMissing,
                _ => type,
            };
        }

        return new InconsistentEvent(d.EventId, d.Table, ParseKey(d.KeyColumns), side, type, now, [])
        {
            RunId = d.RunId,
            Decided = winner is not null,
        };
    }

    private static IQueryable<DifferenceRecord> Matching(IQueryable<DifferenceRecord> query, DifferenceFilter filter)
    {
        if (filter.RunId is { } run)
        {
            query = query.Where(d => d.RunId == run);
        }

        if (filter.Table is { } table)
        {
            var lower = table.ToLowerInvariant();
            query = query.Where(d => d.Table.ToLower() == lower);
        }

        if (filter.Type is { } type)
        {
            var wire = type.ToWire();
            query = query.Where(d => d.Type == wire);
        }

        if (filter.Outcome is { } outcome)
        {
            var wire = outcome.ToWire();
            query = query.Where(d => d.Outcome == wire);
        }

        return query;
    }

    private static StoredDifference ToStored(DifferenceRecord d)
    {
        InconsistencyTypeExtensions.TryParseWire(d.Type, out var type);
        DirectionExtensions.TryParseWire(d.BaseSide, out var side);
        DifferenceOutcomeExtensions.TryParseWire(d.Outcome, out var outcome);
        using var key = JsonDocument.Parse(d.KeyColumns);
        var columns = JsonSerializer.Deserialize<StoredColumn[]>(d.Columns, _json) ?? [];
        return new StoredDifference(
            d.Id, d.RunId, d.EventId, d.Table, d.Key, key.RootElement.Clone(), type, side,
            Array.ConvertAll(columns, c => new ColumnDifference(c.Name, c.Base, c.Other)),
            DateTimeOffset.FromUnixTimeMilliseconds(d.DetectedAtMs), outcome,
            d.OutcomeAtMs is { } at and not DifferenceRecord.NoOutcomeYet ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null);
    }

    private static string KeyObject(RowKey key)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            key.WriteObject(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>A key from its stored object, as an event carries it: the repair reads it with the table's key columns.</summary>
    private static RowKey ParseKey(string keyColumns)
    {
        using var document = JsonDocument.Parse(keyColumns);
        var properties = document.RootElement.EnumerateObject().ToArray();
        var values = properties.Select(p => p.Value.ValueKind switch
        {
            JsonValueKind.Number when p.Value.TryGetInt64(out var l) => (object?)l,
            JsonValueKind.Number => p.Value.GetUInt64(),
            _ => p.Value.GetString(),
        }).ToArray();
        return new RowKey(
            properties.Select(p => p.Name).ToArray(), values,
            values.Select(v => v switch { long or ulong => v, _ => (object)System.Text.Encoding.UTF8.GetBytes((string?)v ?? "") }).ToArray());
    }

    private static string Cut(string text, int length) => text.Length <= length ? text : text[..length];

    private sealed record StoredColumn(string Name, string? Base, string? Other);
}
