using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Migration.Infrastructure.Events;
using Migration.Infrastructure.Options;

namespace Migration.Infrastructure.Repair;

/// <summary>
/// The embedded default's repair consumer: drains the in-process bus one message at a time and tells the relay
/// each one was handled. Idle when Kafka is configured (the Kafka repair worker consumes instead).
/// </summary>
internal sealed class InProcessRepairWorker(InProcessEventBus bus, RepairHandler handler, IOptions<MigrationOptions> options) : BackgroundService
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
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
