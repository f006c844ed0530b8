using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Migration.Application.Abstractions;
using Migration.Infrastructure.Options;
using Migration.Infrastructure.State;

namespace Migration.Infrastructure.Outbox;

/// <summary>The outbox's backlog, read from the table, and the relay's counters since this process started.</summary>
internal sealed class OutboxMonitor(ControlDatabase control, IOptions<MigrationOptions> options, TimeProvider time) : IOutboxMonitor
{
    private readonly string _transport = options.Value.Kafka.Enabled ? "kafka" : "in-process";
    private long _relayed;
    private long _errors;
    private volatile string? _lastError;

    public void Relayed(int count) => Interlocked.Add(ref _relayed, count);

    public void Error(string message)
    {
        Interlocked.Increment(ref _errors);
        _lastError = message;
    }

    public async ValueTask<OutboxStatus> GetAsync(CancellationToken cancellationToken)
    {
        await using var context = control.CreateContext();
        var pending = context.Set<OutboxMessage>().Where(m => m.SentAtMs == null);
        var count = await pending.LongCountAsync(cancellationToken);
        var oldest = count == 0 ? null : await pending.MinAsync(m => (long?)m.CreatedAtMs, cancellationToken);
        long? age = oldest is { } createdAt ? Math.Max(0, time.GetUtcNow().ToUnixTimeMilliseconds() - createdAt) : null;
        return new OutboxStatus(_transport, count, age, Interlocked.Read(ref _relayed), Interlocked.Read(ref _errors), _lastError);
    }
}
