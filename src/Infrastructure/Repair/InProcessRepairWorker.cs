using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Migration.Infrastructure.Events;
using Migration.Infrastructure.Options;

namespace Migration.Infrastructure.Repair;

/// <summary>
/// The embedded default's repair consumer: drains the in-process bus one message at a time and tells the relay
/// each one was handled. Idle when Kafka is configured (the Kafka repair worker consumes instead).
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

        try
        {
            await foreach (var item in bus.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await handler.HandleAsync(item.Message, stoppingToken);
                    item.Handled.TrySetResult();
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    item.Handled.TrySetCanceled(stoppingToken);
                    throw;
                }
                catch (Exception ex)
                {
                    // A bug, since the handler catches repair failures itself: the event stays in the outbox and the
                    // relay sends it again after its back-off; this worker goes on with the next one.
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
