using System.Diagnostics.Metrics;
using System.Text.Json;
using Confluent.Kafka;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Migration.Application.Abstractions;
using Migration.Application.Patterns.Cutover;
using Migration.Infrastructure.Kafka;
using Migration.Infrastructure.Observability;
using Migration.Infrastructure.Options;

namespace Migration.Infrastructure.Cutover;

/// <summary>
/// Computes cut-over readiness for the next step every <see cref="CutoverSettings.WatchIntervalMs"/> and, when it
/// changes, logs it, shows it as the gauge <c>migration.cutover.ready</c> and, with Kafka, publishes it to
/// <see cref="CutoverSettings.StatusTopic"/> (key <c>cutover</c>), so a migration platform can wait for it instead of
/// polling <c>GET /migrator/cutover</c>. Runs on instances with the api role.
/// </summary>
internal sealed partial class CutoverWatcher(
    IServiceScopeFactory scopes,
    KafkaClients kafka,
    IInstanceRegistry instances,
    IMeterFactory meters,
    IOptions<MigrationOptions> options,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<CutoverWatcher> logger) : BackgroundService
{
    private static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web);
    private volatile CutoverDto? _last;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Roles.RunsRelay())
        {
            return;
        }

        // Nothing to watch before the server is up: a start that fails must not compute (or publish) readiness.
        if (!await StartedAsync(stoppingToken))
        {
            return;
        }

        using var meter = meters.Create(MigrationMetrics.MeterName);
        var instance = new KeyValuePair<string, object?>("migration.instance", instances.InstanceId);
        meter.CreateObservableGauge("migration.cutover.ready", () => _last is { } last
                ? [new Measurement<int>(last.Ready ? 1 : 0, instance, new("next", last.Next ?? ""))]
                : Array.Empty<Measurement<int>>(),
            description: "1 when the next switch of the pattern would be accepted without force");
        var topic = string.IsNullOrWhiteSpace(settings.Cutover.StatusTopic) ? $"{settings.Kafka.Topic}.status" : settings.Cutover.StatusTopic;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(settings.Cutover.WatchIntervalMs), time);
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var now = await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new GetCutoverQuery(null), stoppingToken);
                var previous = _last;
                _last = now;
                if (previous is null || previous.Ready != now.Ready || previous.Next != now.Next || previous.Current != now.Current)
                {
                    LogChanged(now.Current, now.Next ?? "none", now.Ready, now.Ready ? "" : string.Join("; ", now.Reasons));
                    if (settings.Kafka.Enabled)
                    {
                        await PublishAsync(topic, now, stoppingToken);
                    }
                }
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // The next tick tries again; a change not yet published then still is (nothing was remembered as sent).
                _last = null;
                LogFailed(ex);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private async Task PublishAsync(string topic, CutoverDto readiness, CancellationToken cancellationToken)
    {
        var value = JsonSerializer.SerializeToUtf8Bytes(new
        {
            readiness.Current,
            readiness.Next,
            readiness.Ready,
            readiness.ChangesBase,
            readiness.Reasons,
            At = time.GetUtcNow(),
            Instance = instances.InstanceId,
        }, _json);
        await kafka.Producer.ProduceAsync(topic, new Message<byte[], byte[]> { Key = "cutover"u8.ToArray(), Value = value }, cancellationToken);
    }

    private async Task<bool> StartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        try
        {
            await started.Task.WaitAsync(stoppingToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Cut-over readiness from {Current} to {Next}: ready {Ready}. {Reasons}")]
    private partial void LogChanged(string current, string next, bool ready, string reasons);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not compute or publish cut-over readiness; trying again at the next tick")]
    private partial void LogFailed(Exception exception);
}
