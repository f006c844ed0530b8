using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Migration.Infrastructure.Events;
using Migration.Infrastructure.Options;

namespace Migration.Infrastructure.Repair;

/// <summary>
/// The embedded default's repair consumer: spreads the in-process bus over <see cref="RepairOptions.Parallelism"/>
/// lanes by the message key (so one row's events stay in order, as on a Kafka partition), repairs one message at a
/// time per lane, and tells the relay each one was handled. Idle when Kafka is configured (the Kafka repair worker
/// consumes instead).
/// </summary>
internal sealed partial class InProcessRepairWorker(
    InProcessEventBus bus,
    RepairHandler handler,
    IOptions<MigrationOptions> options,
    ILogger<InProcessRepairWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.Kafka.Enabled)
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
        try
        {
            await foreach (var item in lane.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await handler.HandleAsync(item.Message, stoppingToken);
                    item.Handled.TrySetResult();
                }
                catch (Exception) when (stoppingToken.IsCancellationRequested)
                {
                    // Stopping. A driver may answer a cancelled statement with an error of its own rather than a
                    // cancellation, or a lock wait may end just then: not a bug. The outbox keeps the event.
                    item.Handled.TrySetCanceled(stoppingToken);
                    return;
                }
                catch (Exception ex)
                {
                    // A bug, since the handler catches repair failures itself: the event stays in the outbox and the
                    // relay sends it again after its back-off; this lane goes on with the next one.
                    LogUnexpected(ex, item.Message.Key);
                    item.Handled.TrySetException(ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "In-process repair of {Key} failed unexpectedly; the outbox keeps the event")]
    private partial void LogUnexpected(Exception exception, string key);
}
