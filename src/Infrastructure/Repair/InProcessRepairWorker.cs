using Microsoft.Extensions.Hosting;
using Migration.Infrastructure.Events;

namespace Migration.Infrastructure.Repair;

/// <summary>The embedded default's repair consumer: drains the in-process bus one message at a time.</summary>
internal sealed class InProcessRepairWorker(InProcessEventBus bus, RepairHandler handler) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var message in bus.Reader.ReadAllAsync(stoppingToken))
            {
                await handler.HandleAsync(message, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
