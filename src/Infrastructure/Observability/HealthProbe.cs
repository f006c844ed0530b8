using System.Globalization;
using Migration.Infrastructure.Data;

namespace Migration.Infrastructure.Observability;

/// <summary>Tags of the health checks, which the endpoints select by.</summary>
public static class HealthTags
{
    /// <summary>Checks <c>/health/ready</c> runs: the sides, the control database, Kafka when configured.</summary>
    public const string Ready = "ready";
}

/// <summary>One bounded probe of a dependency, for the health checks.</summary>
internal static class HealthProbe
{
    /// <summary>
    /// Runs <paramref name="probe"/> for at most <paramref name="timeout"/>, whether or not it honours its token (SQLite
    /// opens synchronously; librdkafka blocks). Returns null when it answered, otherwise why not in words that carry no
    /// database text (the health endpoints are open), and the exception for the log.
    /// </summary>
    public static async Task<(string? Failure, Exception? Exception)> RunAsync(
        string name, Func<CancellationToken, Task> probe, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(timeout);
        var running = Task.Run(() => probe(budget.Token), CancellationToken.None);
        try
        {
            await running.WaitAsync(budget.Token);
            return (null, null);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // A probe left running past its budget must not fault unobserved later.
            _ = running.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            var why = budget.IsCancellationRequested
                ? string.Create(CultureInfo.InvariantCulture, $"no answer within {timeout.TotalMilliseconds:F0} ms")
                : DatabaseErrors.IsTimeout(ex) ? "timed out" : $"failed ({ex.GetType().Name})";
            return ($"{name}: {why}", ex);
        }
    }

    /// <summary>Why a database that answers is still not ready: one of its statements timed out within the window.</summary>
    public static string? RecentTimeout(DatabaseTimeoutTracker tracker, string database, TimeSpan window) =>
        tracker.SinceLast(database) is { } since && since < window
            ? string.Create(CultureInfo.InvariantCulture, $"{database}: a statement timed out {since.TotalSeconds:F1} s ago")
            : null;
}
