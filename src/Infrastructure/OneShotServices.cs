using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Migration.Infrastructure.Kafka;
using Migration.Infrastructure.Outbox;
using Migration.Infrastructure.Patterns;
using Migration.Infrastructure.Repair;

namespace Migration.Infrastructure;

/// <summary>The services of <see cref="DependencyInjection.AddInfrastructure"/> trimmed for a one-shot command in a pipeline.</summary>
public static class OneShotServices
{
    /// <summary>
    /// For one validation run in its own process (the <c>validate</c> command): the process is no instance of the
    /// service, so it writes no heartbeat and moves no write fence (no pattern refresher; the pattern is read once when a
    /// run starts). Unless <paramref name="repair"/>, it also runs neither the outbox relay nor a repair consumer, so no
    /// event — of this run or one already waiting in the outbox — is repaired by this process.
    /// </summary>
    public static IServiceCollection WithoutServing(this IServiceCollection services, bool repair)
    {
        var removed = new List<Type> { typeof(PatternRefreshWorker) };
        if (!repair)
        {
            removed.AddRange([typeof(OutboxRelayWorker), typeof(InProcessRepairWorker), typeof(KafkaRepairWorker)]);
        }

        foreach (var descriptor in services.Where(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType is { } type && removed.Contains(type)).ToList())
        {
            services.Remove(descriptor);
        }

        return services;
    }
}
