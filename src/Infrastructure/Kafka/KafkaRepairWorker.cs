using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Migration.Infrastructure.Events;
using Migration.Infrastructure.Options;
using Migration.Infrastructure.Repair;
using Migration.Infrastructure.Resilience;
using Polly;
using Polly.Registry;

namespace Migration.Infrastructure.Kafka;

/// <summary>
/// The repair service on Kafka: a member of the consumer group <c>Migration:Kafka:GroupId</c> that repairs the events
/// of its partitions in order, in batches (<c>Migration:Repair:BatchSize</c>). A batch's offsets are stored for commit
/// only after every event of it was repaired or stored as a dead letter, so a crash repeats work but never skips it. Malformed messages and repairs that
/// failed every attempt go to the dead-letter topic and the control database's dead letters; nothing stops the loop
/// but the host stopping. Runs on instances with the <c>repair</c> role when Kafka is configured.
/// </summary>
internal sealed partial class KafkaRepairWorker(
    KafkaClients clients,
    RepairHandler handler,
    KafkaDeadLetterSender deadLetters,
    RepairConsumerMonitor monitor,
    RepairMonitor repairs,
    ResiliencePipelineProvider<string> pipelines,
    IOptions<MigrationOptions> options,
    TimeProvider time,
    ILogger<KafkaRepairWorker> logger) : BackgroundService
{
    private static readonly TimeSpan _pollTimeout = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan _statusEvery = TimeSpan.FromMilliseconds(250);

    /// <summary>A consumer that ran this long before it failed was healthy: the next one starts a fresh back-off.</summary>
    private static readonly TimeSpan _healthyRun = TimeSpan.FromMinutes(1);

    private readonly MigrationOptions _options = options.Value;
    private readonly ResiliencePipeline _rebuild = pipelines.GetPipeline(RetryPipelines.KafkaConsumer);
    private readonly ResiliencePipeline _consume = pipelines.GetPipeline(RetryPipelines.KafkaConsume);

    // The next offset to handle on each owned partition. Touched only by the consume loop: the rebalance handlers
    // run inside Consume, on the same thread.
    private readonly Dictionary<TopicPartition, long> _next = [];
    private long _statusAt = long.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Kafka.Enabled || !_options.Roles.RunsRepair())
        {
            return;
        }

        monitor.Started();
        // Consume blocks for up to the poll timeout: leave the host's start-up path before the first call.
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // A fatal client error (or settings librdkafka refuses) ends a consumer; the kafka-consumer pipeline
                // builds a new one after a back-off. A consumer ends without an error only after a healthy run.
                await _rebuild.ExecuteAsync(RunConsumerAsync, (ex, _, delay) => LogConsumerFailed(ex, (long)delay.TotalMilliseconds), stoppingToken);
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                // Stopping, whatever the interrupted repair threw: its offset is not stored, so it is handled again.
            }
        }
    }

    /// <summary>One consumer, from its start until it fails (throws) or the host stops.</summary>
    private async ValueTask RunConsumerAsync(CancellationToken stoppingToken)
    {
        IConsumer<byte[], byte[]>? consumer = null;
        var started = time.GetTimestamp();
        _next.Clear();
        try
        {
            consumer = clients.ConsumerBuilder()
                .SetPartitionsAssignedHandler((_, assigned) => Reset(assigned, keep: true))
                .SetPartitionsRevokedHandler((_, revoked) => Reset(revoked.Select(p => p.TopicPartition), keep: false))
                .SetPartitionsLostHandler((_, lost) => Reset(lost.Select(p => p.TopicPartition), keep: false))
                .SetOffsetsCommittedHandler((_, committed) => OnCommitted(committed))
                .SetErrorHandler((_, error) => OnError(error))
                .Build();
            consumer.Subscribe(_options.Kafka.Topic);
            LogStarted(_options.Kafka.Topic, _options.Kafka.GroupId);
            await ConsumeAsync(consumer, stoppingToken);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            monitor.Error(ex.Message);
            if (time.GetElapsedTime(started) < _healthyRun)
            {
                throw;
            }

            // Failed after a healthy run: start again at once, with the back-off from the beginning.
            LogConsumerFailed(ex, 0);
        }
        finally
        {
            if (consumer is not null)
            {
                // Stored offsets are committed on close.
                Close(consumer);
                consumer.Dispose();
            }
        }
    }

    private async Task ConsumeAsync(IConsumer<byte[], byte[]> consumer, CancellationToken stoppingToken)
    {
        while (true)
        {
            stoppingToken.ThrowIfCancellationRequested();
            // A non-fatal consume error (for example the topic does not exist yet: it appears with the first event)
            // is retried by the kafka-consume pipeline; a fatal one ends this consumer.
            var result = await _consume.ExecuteAsync(
                _ => ValueTask.FromResult(consumer.Consume(_pollTimeout)),
                (ex, _, delay) =>
                {
                    var error = ((ConsumeException)ex).Error;
                    monitor.Error(error.Reason);
                    LogConsumeError(error.Code, error.Reason, (long)delay.TotalMilliseconds);
                },
                stoppingToken);
            if (result?.Message is not null)
            {
                await HandleAsync(consumer, TakeBatch(consumer, result), stoppingToken);
            }

            PublishStatus(consumer);
        }
    }

    /// <summary>
    /// The first message and what else is ready, up to <c>Migration:Repair:BatchSize</c>, waiting at most
    /// <c>BatchWaitMs</c> for more: a batch does not wait to fill.
    /// </summary>
    private List<ConsumeResult<byte[], byte[]>> TakeBatch(IConsumer<byte[], byte[]> consumer, ConsumeResult<byte[], byte[]> first)
    {
        var batch = new List<ConsumeResult<byte[], byte[]>> { first };
        var started = time.GetTimestamp();
        var wait = TimeSpan.FromMilliseconds(_options.Repair.BatchWaitMs);
        while (batch.Count < _options.Repair.BatchSize)
        {
            var left = wait - time.GetElapsedTime(started);
            ConsumeResult<byte[], byte[]>? next;
            try
            {
                next = consumer.Consume(left > TimeSpan.Zero ? left : TimeSpan.Zero);
            }
            catch (ConsumeException)
            {
                // Handled by the next consume through the kafka-consume pipeline; this batch goes on without it.
                break;
            }

            if (next?.Message is null)
            {
                break;
            }

            batch.Add(next);
        }

        return batch;
    }

    private async Task HandleAsync(IConsumer<byte[], byte[]> consumer, List<ConsumeResult<byte[], byte[]>> batch, CancellationToken stoppingToken)
    {
        var messages = batch.ConvertAll(r => new EventMessage(r.Message.Key is null ? "" : Encoding.UTF8.GetString(r.Message.Key), r.Message.Value ?? []));
        var results = await handler.HandleBatchAsync(messages, stoppingToken);
        for (var i = 0; i < batch.Count; i++)
        {
            if (results[i].SetAside)
            {
                await deadLetters.SendAsync(batch[i], results[i].Error ?? "set aside", results[i].Attempts, results[i].EventId, stoppingToken);
                repairs.DeadLettered();
            }
        }

        // Every outcome of the batch is durable now (rows written, conflicts and dead letters stored): only now are
        // its offsets stored for commit, so a crash before this repeats the batch but never skips an event of it.
        foreach (var result in batch)
        {
            try
            {
                consumer.StoreOffset(result);
                _next[result.TopicPartition] = result.Offset.Value + 1;
            }
            catch (KafkaException ex)
            {
                // The partition moved to another member meanwhile; it will handle the message again (repair is idempotent).
                monitor.Error(ex.Error.Reason);
                LogStoreFailed(result.TopicPartitionOffset.ToString(), ex.Error.Reason);
            }

            monitor.Handled();
        }
    }

    private void Reset(IEnumerable<TopicPartition> partitions, bool keep)
    {
        var changed = partitions.ToHashSet();
        foreach (var partition in _next.Keys.Where(p => keep ? !changed.Contains(p) : changed.Contains(p)).ToArray())
        {
            _next.Remove(partition);
        }

        _statusAt = long.MinValue;
    }

    /// <summary>Tells the monitor which partitions this instance owns and how far behind it is, a few times a second.</summary>
    private void PublishStatus(IConsumer<byte[], byte[]> consumer)
    {
        if (_statusAt != long.MinValue && time.GetElapsedTime(_statusAt) < _statusEvery)
        {
            return;
        }

        _statusAt = time.GetTimestamp();
        try
        {
            var assignment = consumer.Assignment;
            long? lag = null;
            foreach (var partition in assignment)
            {
                // The high watermark as of the last fetch response: a local call, no request.
                var high = consumer.GetWatermarkOffsets(partition).High;
                var next = _next.TryGetValue(partition, out var stored) ? stored : consumer.Position(partition).Value;
                if (high.IsSpecial || next < 0)
                {
                    continue;
                }

                lag = (lag ?? 0) + Math.Max(0, high.Value - next);
            }

            monitor.Assigned(assignment.Select(p => p.Partition.Value).Order().ToArray(), lag);
            repairs.SetBacklog(lag ?? 0);
        }
        catch (KafkaException ex)
        {
            // Only the status is stale; the repair goes on.
            LogStatusFailed(ex.Error.Reason);
        }
    }

    private void OnCommitted(CommittedOffsets committed)
    {
        var failed = committed.Error.IsError ? committed.Error : committed.Offsets.FirstOrDefault(o => o.Error.IsError)?.Error;
        // "No offset" only means nothing new was stored since the last commit.
        if (failed is { IsError: true } error && error.Code != ErrorCode.Local_NoOffset)
        {
            monitor.Error($"commit failed: {error.Reason}");
            LogCommitFailed(error.Code, error.Reason);
        }
    }

    private void OnError(Error error)
    {
        monitor.Error(error.Reason);
        LogClientError(error.Code, error.Reason);
    }

    private void Close(IConsumer<byte[], byte[]> consumer)
    {
        try
        {
            // Commits the stored offsets (handled messages only) and leaves the group at once.
            consumer.Close();
        }
        catch (KafkaException ex)
        {
            LogCloseFailed(ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Repair consumer subscribed to {Topic} in group {GroupId}")]
    private partial void LogStarted(string topic, string groupId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Repair consumer failed; starting a new one in {DelayMs} ms")]
    private partial void LogConsumerFailed(Exception exception, long delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Repair consumer: consume error {Code}: {Reason}; consuming again in {DelayMs} ms")]
    private partial void LogConsumeError(ErrorCode code, string reason, long delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Repair consumer: could not store the offset of {Source}: {Reason}")]
    private partial void LogStoreFailed(string source, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Repair consumer: offset commit failed {Code}: {Reason}")]
    private partial void LogCommitFailed(ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Repair consumer: client error {Code}: {Reason}")]
    private partial void LogClientError(ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Repair consumer: could not read partitions and lag: {Reason}")]
    private partial void LogStatusFailed(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Repair consumer: close failed")]
    private partial void LogCloseFailed(Exception exception);
}
