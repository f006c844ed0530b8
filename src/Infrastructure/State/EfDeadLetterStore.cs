using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Migration.Application.Abstractions;
using Migration.Application.Common;
using Migration.Infrastructure.Options;
using Migration.Infrastructure.Outbox;
using Migration.Infrastructure.Repair;

namespace Migration.Infrastructure.State;

/// <summary>Dead letters in the control database, shared by every instance and both transports.</summary>
internal sealed class EfDeadLetterStore(
    ControlDatabase control,
    OutboxSignal signal,
    RepairMonitor repairs,
    IOptions<MigrationOptions> options,
    TimeProvider time) : IDeadLetterStore
{
    /// <summary>Dead letters replayed per transaction.</summary>
    private const int ReplayBatch = 500;

    // On the in-process path this process also repairs, so its backlog counts what it puts back into the outbox.
    private readonly bool _countsBacklog = !options.Value.Kafka.Enabled && options.Value.Roles.RunsRepair();

    /// <summary>Stores one dead letter; throws if the control database did not take it.</summary>
    public async Task AddAsync(DeadLetterRecord deadLetter, CancellationToken cancellationToken)
    {
        await using var context = control.CreateContext();
        context.Add(deadLetter);
        await context.SaveChangesAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<DeadLetter>> ListAsync(int limit, long? before, CancellationToken cancellationToken)
    {
        await using var context = control.CreateContext();
        var query = context.Set<DeadLetterRecord>().AsNoTracking();
        if (before is { } id)
        {
            query = query.Where(d => d.Id < id);
        }

        var rows = await query.OrderByDescending(d => d.Id).Take(limit).ToListAsync(cancellationToken);
        return rows.ConvertAll(d => new DeadLetter(
            d.Id,
            d.EventId,
            d.Key,
            Encoding.UTF8.GetString(d.Payload),
            d.Error,
            d.Attempts,
            DateTimeOffset.FromUnixTimeMilliseconds(d.FailedAtMs),
            d.Source,
            d.RetriedAtMs is { } retried ? DateTimeOffset.FromUnixTimeMilliseconds(retried) : null));
    }

    public async Task<DeadLetterCounts> CountAsync(CancellationToken cancellationToken)
    {
        await using var context = control.CreateContext();
        var all = context.Set<DeadLetterRecord>();
        var open = await all.LongCountAsync(d => d.RetriedAtMs == null, cancellationToken);
        var total = await all.LongCountAsync(cancellationToken);
        return new DeadLetterCounts(open, Math.Max(open, total));
    }

    public async Task<DeadLetterReplay> ReplayAsync(IReadOnlyList<long>? ids, CancellationToken cancellationToken)
    {
        var replayed = new List<long>();
        if (ids is not null)
        {
            foreach (var chunk in ids.Chunk(ReplayBatch))
            {
                replayed.AddRange(await ReplayBatchAsync(d => EF.Constant(chunk).Contains(d.Id), cancellationToken));
            }

            var done = replayed.ToHashSet();
            return new DeadLetterReplay(replayed, ids.Where(id => !done.Contains(id)).ToArray());
        }

        // Every dead letter open now, and not those that replayed events may become meanwhile.
        long upTo;
        await using (var context = control.CreateContext())
        {
            upTo = await context.Set<DeadLetterRecord>().MaxAsync(d => (long?)d.Id, cancellationToken) ?? 0;
        }

        while (true)
        {
            var batch = await ReplayBatchAsync(d => d.Id <= upTo, cancellationToken);
            replayed.AddRange(batch);
            if (batch.Count < ReplayBatch)
            {
                return new DeadLetterReplay(replayed, []);
            }
        }
    }

    /// <summary>Replays the open dead letters that match, at most <see cref="ReplayBatch"/>, in one transaction.</summary>
    private async Task<IReadOnlyList<long>> ReplayBatchAsync(
        System.Linq.Expressions.Expression<Func<DeadLetterRecord, bool>> which, CancellationToken cancellationToken)
    {
        await using var context = control.CreateContext();
        await using var transaction = await context.Database.BeginTransactionAsync(cancellationToken);
        var letters = await context.Set<DeadLetterRecord>()
            .Where(which)
            .Where(d => d.RetriedAtMs == null)
            .OrderBy(d => d.Id)
            .Take(ReplayBatch)
            .ToListAsync(cancellationToken);
        if (letters.Count == 0)
        {
            return [];
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var letter in letters)
        {
            letter.RetriedAtMs = now;
            context.Add(new OutboxMessage
            {
                EventId = letter.EventId ?? Guid.NewGuid(),
                Key = letter.Key,
                Payload = letter.Payload,
                CreatedAtMs = now,
            });
        }

        try
        {
            await context.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new ConflictException(
                "Another replay took some of these dead letters first; this batch was not replayed. List them again and retry the ones still open.");
        }

        await transaction.CommitAsync(cancellationToken);
        if (_countsBacklog)
        {
            repairs.Published(letters.Count);
        }

        signal.Notify();
        return letters.ConvertAll(l => l.Id);
    }
}
