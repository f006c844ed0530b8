using Mediator;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Migration.Application.Patterns.PatternApplied;
using Migration.Domain;
using Migration.Domain.Patterns;
using Migration.Infrastructure.DoubleWrite;
using Migration.Infrastructure.Options;

namespace Migration.Infrastructure.Patterns;

/// <summary>
/// Every <see cref="MigrationOptions.PatternRefreshMs"/>: re-reads the stored pattern, applies a newer one (and tells
/// the application, which rebases this instance's validation runs), and writes the heartbeat. Before the service
/// serves anything it loads the pattern once, so no write runs under an unknown pattern; an unreachable control
/// database then stops the start. The first heartbeat is written once the host has started, so a start that fails
/// later (a port in use) leaves no heartbeat of an instance that never ran. Later failures are logged and the last
/// applied pattern stays in force.
/// </summary>
internal sealed partial class PatternRefreshWorker(
    ControlPatternStore store,
    WriteFence fence,
    IPublisher publisher,
    IOptions<MigrationOptions> options,
    TimeProvider time,
    ILogger<PatternRefreshWorker> logger) : BackgroundService, IHostedLifecycleService
{
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var refresh = await store.RefreshAsync(cancellationToken);
        await fence.EnsureTablesAsync(cancellationToken);
        await fence.AlignAsync(refresh.Applied.Pattern.Primary(), cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    /// <summary>Every hosted service and the server have started: this instance is live from now on.</summary>
    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        await store.HeartbeatAsync(cancellationToken);
        _started.TrySetResult();
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await store.RemoveSelfAsync(cancellationToken);
        }
        catch (Exception ex)
        {
            // Its heartbeat then simply ages out of the live list.
            LogRemoveFailed(ex);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMilliseconds(options.Value.PatternRefreshMs);
        try
        {
            // The first heartbeat is StartedAsync's: a start that fails after this worker's start must leave none.
            await _started.Task.WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, time, stoppingToken);
                var refresh = await store.RefreshAsync(stoppingToken);
                if (refresh.Changed)
                {
                    await NotifyAsync(refresh, stoppingToken);
                }

                await AlignFencesAsync(refresh.Applied.Pattern.Primary(), stoppingToken);
                await store.HeartbeatAsync(stoppingToken);
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                // Stopping, whatever the interrupted refresh threw.
                break;
            }
            catch (Exception ex)
            {
                LogRefreshFailed(ex, interval.TotalMilliseconds);
            }
        }
    }

    /// <summary>
    /// Completes a switch whose fences are behind the stored pattern (the switching instance failed halfway); a failure
    /// must not cost the heartbeat. Writes wait for the fences meanwhile, so it is logged as an error.
    /// </summary>
    private async Task AlignFencesAsync(Direction primary, CancellationToken stoppingToken)
    {
        try
        {
            await fence.AlignAsync(primary, stoppingToken);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            LogAlignFailed(ex, primary.ToWire());
        }
    }

    /// <summary>Its own failure must not cost the heartbeat, nor a heartbeat failure the notification.</summary>
    private async Task NotifyAsync(PatternRefresh refresh, CancellationToken stoppingToken)
    {
        try
        {
            await publisher.Publish(
                new PatternAppliedNotification(refresh.Previous!.Pattern, refresh.Applied.Pattern, refresh.Applied.Version), stoppingToken);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            LogNotifyFailed(ex, refresh.Applied.Version);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Rebasing the validation runs on pattern version {Version} failed; restart them by hand if they still run on the old base")]
    private partial void LogNotifyFailed(Exception exception, long version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pattern refresh or heartbeat failed; the applied pattern stays in force, next try in {IntervalMs} ms")]
    private partial void LogRefreshFailed(Exception exception, double intervalMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not move the write fences to {Primary}; writes through the pool wait until they are")]
    private partial void LogAlignFailed(Exception exception, string primary);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove this instance's heartbeat on stop")]
    private partial void LogRemoveFailed(Exception exception);
}
