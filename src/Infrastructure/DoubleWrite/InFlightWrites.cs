namespace Migration.Infrastructure.DoubleWrite;

/// <summary>
/// The pool's writes under way on this instance, by the pattern version they were started under. An instance reports a
/// new pattern version as applied only once no write started under an older one is still running, so "every instance
/// applies version v" also means "no write of an older pattern is still landing anywhere".
/// </summary>
internal sealed class InFlightWrites
{
    private readonly Lock _lock = new();
    private readonly Dictionary<long, int> _running = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Counts a write under <paramref name="version"/> until the returned scope is disposed.</summary>
    public Scope Enter(long version)
    {
        lock (_lock)
        {
            _running[version] = _running.GetValueOrDefault(version) + 1;
        }

        return new Scope(this, version);
    }

    /// <summary>Waits until no write started under a version older than <paramref name="version"/> is running; false on timeout.</summary>
    public async Task<bool> WaitForOlderAsync(long version, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var deadline = time.GetTimestamp() + (long)(timeout.TotalSeconds * time.TimestampFrequency);
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                if (!_running.Keys.Any(v => v < version))
                {
                    return true;
                }

                changed = _changed.Task;
            }

            var left = TimeSpan.FromSeconds((double)(deadline - time.GetTimestamp()) / time.TimestampFrequency);
            if (left <= TimeSpan.Zero)
            {
                return false;
            }

            try
            {
                await changed.WaitAsync(left, time, cancellationToken);
            }
            catch (TimeoutException)
            {
                return false;
            }
        }
    }

    private void Exit(long version)
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            if (--_running[version] == 0)
            {
                _running.Remove(version);
            }

            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    public readonly struct Scope(InFlightWrites owner, long version) : IDisposable
    {
        public void Dispose() => owner.Exit(version);
    }
}
