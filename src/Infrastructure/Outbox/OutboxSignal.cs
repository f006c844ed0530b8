using System.Threading.Channels;

namespace Migration.Infrastructure.Outbox;

/// <summary>Wakes the relay when this process wrote to the outbox, so a new event does not wait for the next poll.</summary>
internal sealed class OutboxSignal
{
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
    });

    public void Notify() => _wake.Writer.TryWrite(true);

    /// <summary>Returns when notified (also for a notification before the call) or after <paramref name="timeout"/>.</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timer.Token, cancellationToken);
        try
        {
            await _wake.Reader.WaitToReadAsync(linked.Token);
            _wake.Reader.TryRead(out _);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The poll interval elapsed.
        }
    }
}
