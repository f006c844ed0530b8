using Polly;

namespace Migration.Infrastructure.Resilience;

/// <summary>Runs a call through a retry pipeline with a <see cref="RetryObserver"/> that logs and counts each retry in the caller's words.</summary>
internal static class RetryPipelineExtensions
{
    /// <summary>
    /// Runs <paramref name="action"/> until it succeeds or the pipeline gives up, then returns its result or throws
    /// its last failure. Cancellation of <paramref name="cancellationToken"/> ends it with an
    /// <see cref="OperationCanceledException"/> (or the failure it caused).
    /// </summary>
    public static async ValueTask<T> ExecuteAsync<T>(
        this ResiliencePipeline pipeline, Func<CancellationToken, ValueTask<T>> action, RetryObserver onRetry, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(RetryPipelines.ObserverKey, onRetry);
        try
        {
            return await pipeline.ExecuteAsync(static (context, action) => action(context.CancellationToken), context, action);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <inheritdoc cref="ExecuteAsync{T}(ResiliencePipeline, Func{CancellationToken, ValueTask{T}}, RetryObserver, CancellationToken)"/>
    public static ValueTask ExecuteAsync(
        this ResiliencePipeline pipeline, Func<CancellationToken, ValueTask> action, RetryObserver onRetry, CancellationToken cancellationToken) =>
        new(pipeline.ExecuteAsync<bool>(async ct =>
        {
            await action(ct);
            return true;
        }, onRetry, cancellationToken).AsTask());
}
