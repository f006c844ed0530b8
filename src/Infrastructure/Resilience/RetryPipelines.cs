using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Migration.Application.Abstractions;
using Migration.Application.Common;
using Migration.Infrastructure.DoubleWrite;
using Migration.Infrastructure.Events;
using Migration.Infrastructure.Options;
using Polly;
using Polly.Retry;
using Polly.Telemetry;

namespace Migration.Infrastructure.Resilience;

/// <summary>How one pipeline retries.</summary>
/// <param name="Attempts">Attempts in all, the first included; null retries until the caller's token is cancelled.</param>
/// <param name="FirstDelay">The median wait before the first retry; later waits grow exponentially, with jitter.</param>
/// <param name="MaxDelay">No wait is longer.</param>
/// <param name="Retries">Which failures are retried; any other ends the call at once with that failure.</param>
internal sealed record RetrySpec(int? Attempts, TimeSpan FirstDelay, TimeSpan MaxDelay, Func<Exception, bool> Retries);

/// <summary>Called before each retry with the failure, the number of the attempt that failed (from 1) and the wait before the next.</summary>
internal delegate void RetryObserver(Exception exception, int attempt, TimeSpan delay);

/// <summary>
/// Every retry of the service, in one place: one named Polly pipeline per purpose, built from the options, with
/// exponential back-off and jitter. Each retry is counted as <c>migration.retries</c> (meter <c>Migration</c>, tags
/// <c>pipeline</c> and <c>migration.instance</c>), and by Polly's meter (<c>Polly</c>) as a
/// <c>resilience.polly.strategy.events</c> event named <c>OnRetry</c>, tagged <c>pipeline.name</c>. A caller
/// passes a <see cref="RetryObserver"/> (see <see cref="RetryPipelineExtensions"/>) to log and count a retry with its
/// own context; without one the retry is logged here.
/// </summary>
internal static partial class RetryPipelines
{
    /// <summary>A validation step (a read or a publish); never gives up, since a run must not skip rows.</summary>
    public const string Validation = "validation";

    /// <summary>The repair of one event; gives up after <see cref="RepairOptions.MaxAttempts"/> and the event becomes a dead letter.</summary>
    public const string Repair = "repair";

    /// <summary>A round of the outbox relay; never gives up (the events stay pending meanwhile).</summary>
    public const string OutboxRelay = "outbox-relay";

    /// <summary>Building a new Kafka repair consumer after the last one failed; never gives up.</summary>
    public const string KafkaConsumer = "kafka-consumer";

    /// <summary>A Kafka consume call that met a non-fatal error (e.g. the topic does not exist yet); never gives up.</summary>
    public const string KafkaConsume = "kafka-consume";

    /// <summary>Sending a message to the dead-letter topic and storing it as a dead letter; never gives up, since the offset waits for it.</summary>
    public const string KafkaDeadLetter = "kafka-dead-letter";

    /// <summary>Storing an in-process event as a dead letter; after its attempts the outbox keeps the event and the relay sends it again.</summary>
    public const string DeadLetter = "dead-letter";

    /// <summary>Recording what the repair did in the stored differences; a few attempts, then the repair goes on without it.</summary>
    public const string DifferenceOutcome = "difference-outcome";

    /// <summary>Reporting the rows of a failed double-write copy; a few quick attempts within the copy's time budget.</summary>
    public const string DoubleWriteReport = "double-write-report";

    /// <summary>
    /// A write of the pool that met a moved write fence (a switch is moving the primary): started again under the
    /// pattern read anew, for about <see cref="DoubleWriteOptions.FenceWaitMs"/> in all, then 503.
    /// </summary>
    public const string FenceWait = "fence-wait";

    /// <summary>Attempts to store an in-process dead letter before the event is left to the relay.</summary>
    public const int DeadLetterAttempts = 3;

    /// <summary>Attempts to record the outcome of repaired events in the stored differences.</summary>
    public const int DifferenceOutcomeAttempts = 5;

    /// <summary>Attempts to report the rows of a failed double-write copy.</summary>
    public const int DoubleWriteReportAttempts = 3;

    /// <summary>The longest wait between consume errors: they are usually over quickly, and events wait meanwhile.</summary>
    public const int MaxConsumeErrorBackoffMs = 5_000;

    public static IReadOnlyList<string> Names { get; } =
        [Validation, Repair, OutboxRelay, KafkaConsumer, KafkaConsume, KafkaDeadLetter, DeadLetter, DifferenceOutcome, DoubleWriteReport, FenceWait];

    /// <summary>The observer a call passes in its <see cref="ResilienceContext"/>.</summary>
    internal static readonly ResiliencePropertyKey<RetryObserver> ObserverKey = new("migration.retry-observer");

    /// <summary>How the pipeline <paramref name="name"/> retries under <paramref name="options"/>.</summary>
    public static RetrySpec Spec(string name, MigrationOptions options)
    {
        var validation = options.Validation;
        var repair = options.Repair;
        var outbox = options.Outbox;
        return name switch
        {
            Validation => new(null, Ms(validation.RetryBackoffMs), Ms(validation.MaxRetryBackoffMs), ex => ex is not TableShapeException),
            Repair => new(repair.MaxAttempts, Ms(repair.RetryBackoffMs), Ms(repair.MaxRetryBackoffMs), ex => ex is not MalformedEventException),
            OutboxRelay => new(null, Ms(outbox.RetryBackoffMs), Ms(outbox.MaxRetryBackoffMs), _ => true),
            KafkaConsumer => new(null, Ms(repair.RetryBackoffMs), Ms(repair.MaxRetryBackoffMs), _ => true),
            KafkaConsume => new(null, Ms(repair.RetryBackoffMs), Ms(Math.Min(repair.MaxRetryBackoffMs, MaxConsumeErrorBackoffMs)),
                ex => ex is ConsumeException { Error.IsFatal: false }),
            KafkaDeadLetter => new(null, Ms(repair.RetryBackoffMs), Ms(repair.MaxRetryBackoffMs), _ => true),
            DeadLetter => new(DeadLetterAttempts, Ms(repair.RetryBackoffMs), Ms(repair.MaxRetryBackoffMs), _ => true),
            DifferenceOutcome => new(DifferenceOutcomeAttempts, Ms(repair.RetryBackoffMs), Ms(repair.MaxRetryBackoffMs), _ => true),
            DoubleWriteReport => new(DoubleWriteReportAttempts, Ms(100), Ms(1_000), _ => true),
            // Waits of about 20, 40, 80, 160 ms, then 200 ms each: enough attempts to cover FenceWaitMs.
            FenceWait => new(5 + (options.DoubleWrite.FenceWaitMs / 200), Ms(20), Ms(200), ex => ex is FenceMovedException),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "No such retry pipeline."),
        };
    }

    /// <summary>Adds the retry of <paramref name="spec"/> to <paramref name="builder"/> (whose time provider it waits on).</summary>
    public static ResiliencePipelineBuilder Configure(
        ResiliencePipelineBuilder builder, string name, RetrySpec spec, ILogger logger, RetryMetrics? metrics = null)
    {
        if (spec.Attempts is 1)
        {
            // Polly needs at least one retry; a single attempt is no retry at all.
            return builder;
        }

        return builder.AddRetry(new RetryStrategyOptions
        {
            Name = "retry",
            MaxRetryAttempts = spec.Attempts is { } attempts ? attempts - 1 : int.MaxValue,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = spec.FirstDelay,
            MaxDelay = spec.MaxDelay,
            // Cancellation of the caller's token ends the call, whatever failure it caused.
            ShouldHandle = args => ValueTask.FromResult(
                args.Outcome.Exception is { } ex && !args.Context.CancellationToken.IsCancellationRequested && spec.Retries(ex)),
            OnRetry = args =>
            {
                var exception = args.Outcome.Exception!;
                metrics?.Retried(name);
                if (args.Context.Properties.TryGetValue(ObserverKey, out var observer))
                {
                    observer(exception, args.AttemptNumber + 1, args.RetryDelay);
                }
                else
                {
                    LogRetrying(logger, exception, name, args.AttemptNumber + 1, (long)args.RetryDelay.TotalMilliseconds);
                }

                return default;
            },
        });
    }

    /// <summary>
    /// Registers every pipeline with Polly's registry (<c>ResiliencePipelineProvider&lt;string&gt;</c>), which adds
    /// Polly's telemetry and the service's <see cref="TimeProvider"/>.
    /// </summary>
    public static IServiceCollection AddRetryPipelines(this IServiceCollection services)
    {
        foreach (var name in Names)
        {
            services.AddResiliencePipeline(name, (builder, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<IOptions<MigrationOptions>>().Value;
                var logger = context.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RetryPipelines));
                Configure(builder, name, Spec(name, options), logger, context.ServiceProvider.GetRequiredService<RetryMetrics>());
            });
        }

        services.AddSingleton<RetryMetrics>();

        // Polly would also log every attempt and retry, without the context the callers log them with; its meter stays on.
        services.AddOptions<TelemetryOptions>().PostConfigure<IInstanceRegistry>((telemetry, instances) =>
        {
            telemetry.LoggerFactory = NullLoggerFactory.Instance;
            telemetry.MeteringEnrichers.Add(new InstanceMeteringEnricher(instances.InstanceId));
        });
        return services;
    }

    private static TimeSpan Ms(int milliseconds) => TimeSpan.FromMilliseconds(milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retry pipeline {Pipeline}: attempt {Attempt} failed; retrying in {DelayMs} ms")]
    private static partial void LogRetrying(ILogger logger, Exception exception, string pipeline, int attempt, long delayMs);
}
