using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Migration.Infrastructure.Events;
using Migration.Infrastructure.Options;
using Migration.Infrastructure.Resilience;
using Migration.Infrastructure.State;
using Polly;
using Polly.Registry;

namespace Migration.Infrastructure.Repair;

/// <summary>
/// The embedded default's repair consumer: spreads the in-process bus over <see cref="RepairOptions.Parallelism"/>
/// lanes by the message key (so one row's events stay in order, as on a Kafka partition), repairs the messages of
/// each lane in batches (<see cref="RepairOptions.BatchSize"/>), and tells the relay each one was handled: repaired, or stored as a dead letter. If the dead letter
/// cannot be stored, the relay is told the event failed, so the outbox keeps it and sends it again later. Idle when
/// Kafka is configured (the Kafka repair worker consumes instead).
/// </summary>
internal sealed partial class InProcessRepairWorker(
    InProcessEventBus bus,
    RepairHandler handler,
    EfDeadLetterStore deadLetters,
    RepairMonitor repairs,
    ResiliencePipelineProvider<string> pipelines,
    IOptions<MigrationOptions> options,
    TimeProvider time,
    ILogger<InProcessRepairWorker> logger) : BackgroundService
{
    /// <summary>The <see cref="DeadLetterRecord.Source"/> of dead letters from this path.</summary>
    public const string Source = "in-process";

    private readonly ResiliencePipeline _storeRetry = pipelines.GetPipeline(RetryPipelines.DeadLetter);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.Kafka.Enabled || !options.Value.Roles.RunsRepair())
        {
            return;
        }

        var lanes = Enumerable.Range(0, options.Value.Repair.Parallelism)
            .Select(_ => Channel.CreateBounded<BusMessage>(new BoundedChannelOptions(1_000) { SingleReader = true, SingleWriter = true }))
            .ToArray();
        var workers = lanes.Select(lane => RepairLaneAsync(lane.Reader, stoppingToken)).ToArray();
        try
        {
            await foreach (var item in bus.Reader.ReadAllAsync(stoppingToken))
            {
                var lane = lanes[(int)((uint)StringComparer.Ordinal.GetHashCode(item.Message.Key) % (uint)lanes.Length)];
                await lane.Writer.WriteAsync(item, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var lane in lanes)
            {
                lane.Writer.TryComplete();
            }

            await Task.WhenAll(workers);
        }
    }

    private async Task RepairLaneAsync(ChannelReader<BusMessage> lane, CancellationToken stoppingToken)
    {
        var size = options.Value.Repair.BatchSize;
        var wait = TimeSpan.FromMilliseconds(options.Value.Repair.BatchWaitMs);
        var batch = new List<BusMessage>(size);
        try
        {
            while (await lane.WaitToReadAsync(stoppingToken))
            {
                await TakeBatchAsync(lane, batch, size, wait, stoppingToken);
                if (batch.Count == 0)
                {
                    continue;
                }

                try
                {
                    var results = await handler.HandleBatchAsync(batch.ConvertAll(item => item.Message), stoppingToken);
                    // Each event is acknowledged once it is repaired or stored as a dead letter, none before its batch is done.
                    for (var i = 0; i < batch.Count; i++)
                    {
                        try
                        {
                            if (results[i].SetAside)
                            {
                                await DeadLetterAsync(batch[i].Message, results[i], stoppingToken);
                            }
                        }
                        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                        {
                            // The dead letter could not be stored: the event stays in the outbox and the relay sends it
                            // again after its back-off; the rest of the batch goes on.
                            LogUnexpected(ex, batch[i].Message.Key);
                            batch[i].Handled.TrySetException(ex);
                        }
                    }

                    foreach (var item in batch)
                    {
                        item.Handled.TrySetResult();
                    }
                }
                catch (Exception) when (stoppingToken.IsCancellationRequested)
                {
                    // Stopping. A driver may answer a cancelled statement with an error of its own rather than a
                    // cancellation, or a lock wait may end just then: not a bug. The outbox keeps the events.
                    foreach (var item in batch)
                    {
                        item.Handled.TrySetCanceled(stoppingToken);
                    }

                    return;
                }
                catch (Exception ex)
                {
                    // A bug (the handler catches repair failures itself): the events stay in the outbox and the relay
                    // sends them again after its back-off; this lane goes on.
                    LogUnexpected(ex, batch[0].Message.Key);
                    foreach (var item in batch)
                    {
                        item.Handled.TrySetException(ex);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Up to <paramref name="size"/> messages: what is queued, waiting at most <paramref name="wait"/> for more.</summary>
    private async Task TakeBatchAsync(ChannelReader<BusMessage> lane, List<BusMessage> batch, int size, TimeSpan wait, CancellationToken stoppingToken)
    {
        batch.Clear();
        var started = time.GetTimestamp();
        while (batch.Count < size)
        {
            if (lane.TryRead(out var item))
            {
                batch.Add(item);
                continue;
            }

            var left = wait - time.GetElapsedTime(started);
            if (batch.Count > 0 && left <= TimeSpan.Zero)
            {
                return;
            }

            using var timeout = new CancellationTokenSource(left > TimeSpan.Zero ? left : TimeSpan.Zero, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timeout.Token);
            try
            {
                if (!await lane.WaitToReadAsync(linked.Token))
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>Stores the event as a dead letter through the <c>dead-letter</c> pipeline; throws if it could not.</summary>
    private async Task DeadLetterAsync(EventMessage message, RepairResult result, CancellationToken cancellationToken)
    {
        await _storeRetry.ExecuteAsync(
            ct => new ValueTask(deadLetters.AddAsync(
                new DeadLetterRecord
                {
                    EventId = result.EventId,
                    Key = DeadLetterRecord.Cut(message.Key, DeadLetterRecord.KeyLength),
                    Payload = message.Value,
                    Error = DeadLetterRecord.Cut(result.Error ?? "set aside", DeadLetterRecord.TextLength),
                    Attempts = result.Attempts,
                    FailedAtMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
                    Source = Source,
                },
                ct)),
            (ex, attempt, delay) => LogStoreRetrying(ex, message.Key, attempt, (long)delay.TotalMilliseconds),
            cancellationToken);
        repairs.DeadLettered();
        LogDeadLettered(message.Key, result.Error ?? "set aside");
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "In-process repair of {Key} failed; the outbox keeps the event")]
    private partial void LogUnexpected(Exception exception, string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stored {Key} as a dead letter: {Error}")]
    private partial void LogDeadLettered(string key, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not store {Key} as a dead letter (attempt {Attempt}); retrying in {DelayMs} ms")]
    private partial void LogStoreRetrying(Exception exception, string key, int attempt, long delayMs);
}
