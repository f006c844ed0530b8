using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Migration.Application.Abstractions;
using Migration.Domain.Repair;
using Migration.Infrastructure.State;

namespace Migration.Infrastructure.Repair;

/// <summary>
/// Conflicts in the control database. The rows with open conflicts are also kept in memory (loaded at first use, then
/// kept up to date by this process), so the repair's hot path asks the database only for a row that has one; a
/// conflict another instance stored is closed by the next full run that completes.
/// </summary>
internal sealed class EfConflictStore(ControlDatabase control, TimeProvider time) : IConflictStore
{
    private readonly SemaphoreSlim _loading = new(1, 1);
    private volatile ConcurrentDictionary<(string Table, string Key), byte>? _open;

    public async Task RecordAsync(Conflict conflict, CancellationToken cancellationToken)
    {
        await using var context = control.CreateContext();
        context.Add(new ConflictRecord
        {
            Table = conflict.Table,
            Key = conflict.Key,
            BaseSide = conflict.BaseSide,
            BaseVersion = conflict.BaseVersion,
            OtherVersion = conflict.OtherVersion,
            Reason = Truncate(conflict.Reason, 1000),
            EventId = conflict.EventId,
            DetectedAtMs = conflict.DetectedAt.ToUnixTimeMilliseconds(),
        });
        await context.SaveChangesAsync(cancellationToken);
        // The set as it is now, not as it was before the save: a full run that completed meanwhile replaced it (and a
        // set loaded before the save would never learn of this conflict, which no repair could then close).
        (await OpenKeysAsync(cancellationToken))[(conflict.Table, conflict.Key)] = 0;
    }

    public async Task ResolveAsync(string table, string key, string resolution, CancellationToken cancellationToken)
    {
        var open = await OpenKeysAsync(cancellationToken);
        if (!open.ContainsKey((table, key)))
        {
            return;
        }

        long? now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var context = control.CreateContext();
        await context.Set<ConflictRecord>()
            .Where(c => c.ResolvedAtMs == null && c.Table == table && c.Key == key)
            .ExecuteUpdateAsync(set => set.SetProperty(c => c.ResolvedAtMs, now).SetProperty(c => c.Resolution, resolution), cancellationToken);
        open.TryRemove((table, key), out _);
    }

    public async Task<int> SupersedeAsync(DateTimeOffset before, string resolution, CancellationToken cancellationToken)
    {
        var cutoff = before.ToUnixTimeMilliseconds();
        long? now = time.GetUtcNow().ToUnixTimeMilliseconds();
        int closed;
        await using (var context = control.CreateContext())
        {
            closed = await context.Set<ConflictRecord>()
                .Where(c => c.ResolvedAtMs == null && c.DetectedAtMs < cutoff)
                .ExecuteUpdateAsync(set => set.SetProperty(c => c.ResolvedAtMs, now).SetProperty(c => c.Resolution, resolution), cancellationToken);
        }

        // Reload: what is still open is what was stored after the cutoff.
        _open = null;
        return closed;
    }

    public async Task<IReadOnlyList<Conflict>> ListAsync(bool openOnly, long? beforeId, int limit, CancellationToken cancellationToken)
    {
        await using var context = control.CreateContext();
        var query = context.Set<ConflictRecord>().AsNoTracking();
        if (openOnly)
        {
            query = query.Where(c => c.ResolvedAtMs == null);
        }

        if (beforeId is { } id)
        {
            query = query.Where(c => c.Id < id);
        }

        var rows = await query.OrderByDescending(c => c.Id).Take(limit).ToListAsync(cancellationToken);
        return rows.ConvertAll(ToConflict);
    }

    public async Task<long> CountOpenAsync(CancellationToken cancellationToken)
    {
        await using var context = control.CreateContext();
        return await context.Set<ConflictRecord>().LongCountAsync(c => c.ResolvedAtMs == null, cancellationToken);
    }

    private async Task<ConcurrentDictionary<(string Table, string Key), byte>> OpenKeysAsync(CancellationToken cancellationToken)
    {
        if (_open is { } open)
        {
            return open;
        }

        await _loading.WaitAsync(cancellationToken);
        try
        {
            if (_open is { } loaded)
            {
                return loaded;
            }

            await using var context = control.CreateContext();
            var keys = await context.Set<ConflictRecord>().AsNoTracking()
                .Where(c => c.ResolvedAtMs == null)
                .Select(c => new { c.Table, c.Key })
                .ToListAsync(cancellationToken);
            var fresh = new ConcurrentDictionary<(string, string), byte>(keys.Select(k => KeyValuePair.Create((k.Table, k.Key), (byte)0)));
            _open = fresh;
            return fresh;
        }
        finally
        {
            _loading.Release();
        }
    }

    private static Conflict ToConflict(ConflictRecord r) => new(
        r.Id, r.Table, r.Key, r.BaseSide, r.BaseVersion, r.OtherVersion, r.Reason, r.EventId,
        DateTimeOffset.FromUnixTimeMilliseconds(r.DetectedAtMs),
        r.ResolvedAtMs is { } resolved ? DateTimeOffset.FromUnixTimeMilliseconds(resolved) : null,
        r.Resolution);

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];
}
