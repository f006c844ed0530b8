using System.Threading.RateLimiting;

namespace Migration.Infrastructure.Validation;

/// <summary>
/// Holds a run to its rows-per-second limit: a token bucket refilled every 100 ms holding one second of rows.
/// A run without a limit gets a throttle that never waits.
/// </summary>
internal sealed class RowThrottle : IDisposable
{
    private readonly TokenBucketRateLimiter? _limiter;
    private readonly int _burst;

    public RowThrottle(long maxRowsPerSecond)
    {
        if (maxRowsPerSecond <= 0)
        {
            return;
        }

        _burst = (int)Math.Min(maxRowsPerSecond, int.MaxValue);
        _limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = _burst,
            TokensPerPeriod = Math.Max(1, _burst / 10),
            ReplenishmentPeriod = TimeSpan.FromMilliseconds(100),
            QueueLimit = _burst,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
    }

    /// <summary>Waits until <paramref name="rows"/> more rows fit within the limit.</summary>
    public async Task WaitAsync(long rows, CancellationToken cancellationToken)
    {
        while (_limiter is not null && rows > 0)
        {
            var take = (int)Math.Min(rows, _burst);
            using var lease = await _limiter.AcquireAsync(take, cancellationToken);
            rows -= take;
        }
    }

    public void Dispose() => _limiter?.Dispose();
}
