using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Migration.Application.Common;
using Migration.Infrastructure.Events;
using Migration.Infrastructure.Options;
using Migration.Infrastructure.Resilience;
using Polly;

namespace Migration.WebApi.IntegrationTests;

/// <summary>
/// The retry pipelines as <see cref="RetryPipelines"/> builds them from the options, on a fake clock: how often they
/// try, how long they wait, and what ends them. Unit tests of one class; they live here for access to Infrastructure's
/// internals.
/// </summary>
public sealed class RetryPipelinesTests
{
    private static readonly DateTimeOffset _start = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(_start);
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Repair_FailingEveryAttempt_TriesMaxAttemptsThenThrowsTheLastFailure()
    {
        var options = new MigrationOptions { Repair = { MaxAttempts = 4, RetryBackoffMs = 100, MaxRetryBackoffMs = 1_000 } };
        var run = new Run(this, Build(RetryPipelines.Repair, options), step: TimeSpan.FromMilliseconds(10));

        var failure = await run.FailingAsync(attempt => new InvalidOperationException($"attempt {attempt}"));

        Assert.Equal("attempt 4", Assert.IsType<InvalidOperationException>(failure).Message);
        Assert.Equal(4, run.Calls.Count);
        Assert.Equal([1, 2, 3], run.Retries.Select(r => r.Attempt));
        Assert.All(run.Retries, r => Assert.InRange(r.Delay, TimeSpan.FromTicks(1), TimeSpan.FromMilliseconds(1_000)));
    }

    [Fact]
    public async Task Repair_MalformedEvent_IsNotRetried()
    {
        var run = new Run(this, Build(RetryPipelines.Repair, new MigrationOptions()));

        var failure = await run.FailingAsync(_ => new MalformedEventException("table 'orders' is not the migrated table"));

        Assert.IsType<MalformedEventException>(failure);
        Assert.Single(run.Calls);
        Assert.Empty(run.Retries);
    }

    [Fact]
    public async Task Repair_SingleAttempt_IsTriedOnce()
    {
        var run = new Run(this, Build(RetryPipelines.Repair, new MigrationOptions { Repair = { MaxAttempts = 1 } }));

        var failure = await run.FailingAsync(_ => new TimeoutException());

        Assert.IsType<TimeoutException>(failure);
        Assert.Single(run.Calls);
    }

    [Fact]
    public async Task Validation_WaitsOnTheClock_GrowingToTheMaxDelayAndNeverPastIt()
    {
        var options = new MigrationOptions { Validation = { RetryBackoffMs = 100, MaxRetryBackoffMs = 400 } };
        var run = new Run(this, Build(RetryPipelines.Validation, options), step: TimeSpan.FromMilliseconds(1));

        var failure = await run.FailingAsync(_ => new TimeoutException(), stopAfterRetries: 25);

        Assert.IsAssignableFrom<OperationCanceledException>(failure);
        Assert.True(run.Retries.Count >= 25);
        Assert.All(run.Retries, r => Assert.InRange(r.Delay, TimeSpan.FromTicks(1), TimeSpan.FromMilliseconds(400)));
        Assert.Contains(run.Retries, r => r.Delay == TimeSpan.FromMilliseconds(400));
        Assert.Contains(run.Retries, r => r.Delay < TimeSpan.FromMilliseconds(400));
        // Each attempt came after the wait before it, on the given clock (whose timers count whole milliseconds),
        // and not later than the clock's next step.
        for (var i = 1; i < run.Calls.Count; i++)
        {
            var waited = run.Calls[i] - run.Calls[i - 1];
            var delay = run.Retries[i - 1].Delay;
            Assert.InRange(waited, delay - TimeSpan.FromMilliseconds(1), delay + TimeSpan.FromMilliseconds(2));
        }
    }

    [Fact]
    public async Task Validation_TableThatCannotBeCompared_IsNotRetried()
    {
        var run = new Run(this, Build(RetryPipelines.Validation, new MigrationOptions()));

        var failure = await run.FailingAsync(_ => new TableShapeException([new TableShapeProblem("users", null, "no such table")]));

        Assert.IsType<TableShapeException>(failure);
        Assert.Single(run.Calls);
    }

    [Theory]
    [InlineData(RetryPipelines.Validation)]
    [InlineData(RetryPipelines.OutboxRelay)]
    [InlineData(RetryPipelines.KafkaConsumer)]
    [InlineData(RetryPipelines.KafkaDeadLetter)]
    public async Task NeverGivingUp_KeepsRetryingUntilCancelled(string name)
    {
        var run = new Run(this, Build(name, new MigrationOptions()), step: TimeSpan.FromSeconds(1));

        var failure = await run.FailingAsync(_ => new IOException("down"), stopAfterRetries: 200);

        Assert.IsAssignableFrom<OperationCanceledException>(failure);
        Assert.True(run.Calls.Count >= 200, $"{run.Calls.Count} attempts");
        Assert.All(run.Retries, r => Assert.True(r.Delay <= TimeSpan.FromMilliseconds(30_000), $"waited {r.Delay}"));
    }

    [Fact]
    public async Task NeverGivingUp_SucceedsOnceTheFailureIsOver()
    {
        var run = new Run(this, Build(RetryPipelines.OutboxRelay, new MigrationOptions()), step: TimeSpan.FromSeconds(1));

        var result = await run.SucceedingAfterAsync(failures: 7);

        Assert.Equal(8, result);
        Assert.Equal(7, run.Retries.Count);
    }

    [Fact]
    public async Task KafkaConsume_RetriesNonFatalErrorsOnly_WithShortWaits()
    {
        var options = new MigrationOptions { Repair = { RetryBackoffMs = 50, MaxRetryBackoffMs = 60_000 } };
        var nonFatal = new Run(this, Build(RetryPipelines.KafkaConsume, options), step: TimeSpan.FromMilliseconds(100));
        var fatal = new Run(this, Build(RetryPipelines.KafkaConsume, options));

        var retried = await nonFatal.FailingAsync(_ => Consume(new Error(ErrorCode.UnknownTopicOrPart)), stopAfterRetries: 20);
        var ended = await fatal.FailingAsync(_ => Consume(new Error(ErrorCode.Local_Fatal, "fatal", isFatal: true)));

        Assert.IsAssignableFrom<OperationCanceledException>(retried);
        Assert.All(nonFatal.Retries, r => Assert.InRange(r.Delay, TimeSpan.FromTicks(1), TimeSpan.FromMilliseconds(RetryPipelines.MaxConsumeErrorBackoffMs)));
        Assert.IsType<ConsumeException>(ended);
        Assert.Single(fatal.Calls);
    }

    [Theory]
    [InlineData(RetryPipelines.DeadLetter, RetryPipelines.DeadLetterAttempts)]
    [InlineData(RetryPipelines.DoubleWriteReport, RetryPipelines.DoubleWriteReportAttempts)]
    public async Task Bounded_GiveUpAfterTheirAttempts(string name, int attempts)
    {
        var run = new Run(this, Build(name, new MigrationOptions()), step: TimeSpan.FromMilliseconds(50));

        var failure = await run.FailingAsync(_ => new IOException("down"));

        Assert.IsType<IOException>(failure);
        Assert.Equal(attempts, run.Calls.Count);
    }

    [Fact]
    public async Task Cancelled_EndsTheCallBeforeAnAttempt()
    {
        var run = new Run(this, Build(RetryPipelines.Validation, new MigrationOptions()));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var failure = await run.FailingAsync(_ => new IOException("down"), token: cancelled.Token);

        Assert.IsAssignableFrom<OperationCanceledException>(failure);
        Assert.Empty(run.Calls);
        Assert.Empty(run.Retries);
    }

    [Fact]
    public void Spec_UnknownName_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => RetryPipelines.Spec("no-such-pipeline", new MigrationOptions()));

    private static ConsumeException Consume(Error error) => new(new ConsumeResult<byte[], byte[]>(), error);

    private ResiliencePipeline Build(string name, MigrationOptions options) =>
        RetryPipelines.Configure(new ResiliencePipelineBuilder { TimeProvider = _time }, name, RetryPipelines.Spec(name, options), NullLogger.Instance).Build();

    /// <summary>Runs a call through the pipeline, moving the fake clock on by <c>step</c> until it ends.</summary>
    private sealed class Run(RetryPipelinesTests test, ResiliencePipeline pipeline, TimeSpan? step = null)
    {
        private readonly TimeSpan _step = step ?? TimeSpan.FromMilliseconds(10);

        /// <summary>The clock at each attempt.</summary>
        public List<DateTimeOffset> Calls { get; } = [];

        public List<(int Attempt, TimeSpan Delay)> Retries { get; } = [];

        /// <summary>Fails every attempt; returns what the pipeline threw, after cancelling once <paramref name="stopAfterRetries"/> were made.</summary>
        public async Task<Exception?> FailingAsync(Func<int, Exception> failure, int? stopAfterRetries = null, CancellationToken? token = null)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(token ?? test._ct);
            var call = pipeline.ExecuteAsync<int>(
                _ =>
                {
                    Calls.Add(test._time.GetUtcNow());
                    throw failure(Calls.Count);
                },
                Observe,
                stop.Token).AsTask();
            await DriveAsync(call, () =>
            {
                if (Retries.Count >= stopAfterRetries)
                {
                    stop.Cancel();
                }
            });
            return call.Exception?.GetBaseException() ?? (call.IsCanceled ? new OperationCanceledException() : null);
        }

        public async Task<int> SucceedingAfterAsync(int failures)
        {
            var call = pipeline.ExecuteAsync(
                _ =>
                {
                    Calls.Add(test._time.GetUtcNow());
                    return Calls.Count > failures ? ValueTask.FromResult(Calls.Count) : throw new IOException("down");
                },
                Observe,
                test._ct).AsTask();
            await DriveAsync(call, () => { });
            return await call;
        }

        private void Observe(Exception exception, int attempt, TimeSpan delay) => Retries.Add((attempt, delay));

        /// <summary>Moves the clock on until the call ended, for at most a few real seconds.</summary>
        private async Task DriveAsync(Task call, Action afterStep)
        {
            var deadline = TimeProvider.System.GetTimestamp() + (10 * TimeProvider.System.TimestampFrequency);
            while (!call.IsCompleted)
            {
                Assert.True(TimeProvider.System.GetTimestamp() < deadline, $"The call did not end; {Calls.Count} attempts, {Retries.Count} retries");
                afterStep();
                test._time.Advance(_step);
                await Task.Yield();
            }

            await ((Task)call).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}
