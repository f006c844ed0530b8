using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Migration.Infrastructure.Options;
using Migration.Infrastructure.Resilience;
using Migration.Infrastructure.State;
using Polly;
using Polly.Registry;

namespace Migration.Infrastructure.Outbox;

/// <summary>
/// Sends pending outbox events to the transport, oldest first, and marks them sent only after the transport
/// confirmed them. A failed round is logged, counted and retried by the <c>outbox-relay</c> pipeline, with a growing
/// back-off; the events stay pending, so an outage only grows the outbox. A crash between delivery and marking sends
/// those events again (repair is idempotent). Runs on instances with the <c>api</c> role.
/// </summary>
internal sealed partial class OutboxRelayWorker(
    ControlDatabase control,
    IEventTransport transport,
    OutboxSignal signal,
    OutboxMonitor monitor,
    ResiliencePipelineProvider<string> pipelines,
    IOptions<MigrationOptions> options,
    TimeProvider time,
    ILogger<OutboxRelayWorker> logger) : BackgroundService
{
    private static readonly TimeSpan _purgeEvery = TimeSpan.FromMinutes(1);
    private readonly OutboxOptions _options = options.Value.Outbox;
    private readonly ResiliencePipeline _retry = pipelines.GetPipeline(RetryPipelines.OutboxRelay);
    private long _lastPurge = long.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.RelaysOutbox())
        {
            LogNotRelaying(options.Value.Roles);
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var more = await _retry.ExecuteAsync(RoundAsync, OnRoundFailed, stoppingToken);
                if (!more)
                {
                    await signal.WaitAsync(TimeSpan.FromMilliseconds(_options.PollIntervalMs), time, stoppingToken);
                }
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                // Stopping, whatever the interrupted round threw: its events stay pending.
                break;
            }
        }
    }

    /// <returns>Whether a full batch was sent, so more may be waiting.</returns>
    private async ValueTask<bool> RoundAsync(CancellationToken cancellationToken)
    {
        var more = await RelayBatchAsync(cancellationToken);
        if (_lastPurge == long.MinValue || time.GetElapsedTime(_lastPurge) >= _purgeEvery)
        {
            await PurgeSentAsync(cancellationToken);
            _lastPurge = time.GetTimestamp();
        }

        return more;
    }

    private void OnRoundFailed(Exception exception, int attempt, TimeSpan delay)
    {
        monitor.Error(exception.Message);
        LogRoundFailed(exception, transport.Name, attempt, (long)delay.TotalMilliseconds);
    }

    /// <returns>Whether a full batch was sent, so more may be waiting.</returns>
    private async Task<bool> RelayBatchAsync(CancellationToken cancellationToken)
    {
        await using var context = control.CreateContext();
        var outbox = context.Set<OutboxMessage>();
        var batch = await outbox.AsNoTracking()
            .Where(m => m.SentAtMs == null)
            .OrderBy(m => m.Id)
            .Take(_options.BatchSize)
            .ToListAsync(cancellationToken);
        if (batch.Count == 0)
        {
            return false;
        }

        var result = await transport.SendAsync(batch, cancellationToken);
        var delivered = result.Delivered.ToArray();
        if (delivered.Length > 0)
        {
            long? sentAt = time.GetUtcNow().ToUnixTimeMilliseconds();
            // Inlined ids: one statement on every provider, whatever it supports for collection parameters.
            await outbox.Where(m => EF.Constant(delivered).Contains(m.Id))
                .ExecuteUpdateAsync(set => set.SetProperty(m => m.SentAtMs, sentAt), cancellationToken);
            monitor.Relayed(delivered.Length);
        }

        if (delivered.Length < batch.Count)
        {
            var failed = batch.Select(m => m.Id).Except(delivered).ToArray();
            var error = Truncate(result.FirstError ?? "not confirmed by the transport", 1000);
            await outbox.Where(m => EF.Constant(failed).Contains(m.Id))
                .ExecuteUpdateAsync(set => set.SetProperty(m => m.Attempts, m => m.Attempts + 1).SetProperty(m => m.LastError, error), cancellationToken);
            throw new OutboxRelayException($"{failed.Length} of {batch.Count} events were not delivered to {transport.Name}: {error}");
        }

        LogRelayed(batch.Count, transport.Name);
        return batch.Count == _options.BatchSize;
    }

    private async Task PurgeSentAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow().ToUnixTimeMilliseconds() - (_options.KeepSentMinutes * 60_000L);
        await using var context = control.CreateContext();
        var purged = await context.Set<OutboxMessage>().Where(m => m.SentAtMs != null && m.SentAtMs < cutoff).ExecuteDeleteAsync(cancellationToken);
        if (purged > 0)
        {
            LogPurged(purged);
        }
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox relay is off on this instance (roles: {Roles}); an instance with the api role relays (on the in-process path, one with both roles)")]
    private partial void LogNotRelaying(ServiceRoles roles);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Relayed {Count} outbox events to {Transport}")]
    private partial void LogRelayed(int count, string transport);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox relay round to {Transport} failed (attempt {Attempt}); events stay pending, retrying in {DelayMs} ms")]
    private partial void LogRoundFailed(Exception exception, string transport, int attempt, long delayMs);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Deleted {Count} sent outbox events past their retention")]
    private partial void LogPurged(int count);
}

/// <summary>Some events of a relay round were not confirmed; they stay pending.</summary>
internal sealed class OutboxRelayException(string message) : Exception(message);
