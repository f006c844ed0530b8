using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Migration.Infrastructure.Observability;

namespace Migration.Infrastructure.Data;

/// <summary>
/// When each database last timed out (a lock wait or a command timeout), so readiness reports a database whose trivial
/// query answers while its real work times out; counted as <c>migration.database.timeouts</c> by database. EF Core
/// statements report themselves; callers report what they see beyond them (a SQLite write lock that
/// <c>BEGIN</c> waited for in vain reaches no interceptor).
/// </summary>
public sealed class DatabaseTimeoutTracker
{
    /// <summary>The name of the control database in <see cref="Record"/> and in the metric.</summary>
    public const string Control = "control";

    private static readonly object _seenMarker = new();
    private readonly ConcurrentDictionary<string, long> _last = new(StringComparer.Ordinal);
    private readonly ConditionalWeakTable<Exception, object> _seen = [];
    private readonly TimeProvider _time;
    private readonly Counter<long> _timeouts;
    private readonly KeyValuePair<string, object?> _instance;

    internal DatabaseTimeoutTracker(TimeProvider time, IMeterFactory meters, string instanceId)
    {
        _time = time;
        _instance = new("migration.instance", instanceId);
        // The factory hands out one meter per name: this counter joins the migration's other metrics.
        _timeouts = meters.Create(MigrationMetrics.MeterName).CreateCounter<long>(
            "migration.database.timeouts", unit: "{statement}", description: "Statements that timed out waiting for a lock or ran out of time, by database");
    }

    /// <summary>
    /// Notes <paramref name="exception"/> against <paramref name="database"/> (<c>SRC</c>, <c>DST</c> or
    /// <see cref="Control"/>) when it is a timeout, once however many layers report it.
    /// </summary>
    public void Record(string database, Exception exception)
    {
        if (DatabaseErrors.FindTimeout(exception) is not { } timeout || !_seen.TryAdd(timeout, _seenMarker))
        {
            return;
        }

        _last[database] = _time.GetTimestamp();
        _timeouts.Add(1, new KeyValuePair<string, object?>("database", database), _instance);
    }

    /// <summary>How long ago the database last timed out, or null if it never did.</summary>
    internal TimeSpan? SinceLast(string database) => _last.TryGetValue(database, out var at) ? _time.GetElapsedTime(at) : null;
}

/// <summary>
/// On every EF Core context of one database: bounds the lock waits of each session it opens, and tells the
/// <see cref="DatabaseTimeoutTracker"/> of statements, connections and transactions that failed by timing out.
/// </summary>
internal sealed class DatabaseSessionInterceptor(DatabaseTimeouts timeouts, string database, DatabaseTimeoutTracker? tracker)
    : IDbConnectionInterceptor, IDbCommandInterceptor, IDbTransactionInterceptor
{
    public void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => timeouts.StartSession(connection);

    public Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default) =>
        timeouts.StartSessionAsync(connection, cancellationToken);

    public void ConnectionFailed(DbConnection connection, ConnectionErrorEventData eventData) => tracker?.Record(database, eventData.Exception);

    public Task ConnectionFailedAsync(DbConnection connection, ConnectionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        tracker?.Record(database, eventData.Exception);
        return Task.CompletedTask;
    }

    public void CommandFailed(DbCommand command, CommandErrorEventData eventData) => tracker?.Record(database, eventData.Exception);

    public Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        tracker?.Record(database, eventData.Exception);
        return Task.CompletedTask;
    }

    public void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData) => tracker?.Record(database, eventData.Exception);

    public Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        tracker?.Record(database, eventData.Exception);
        return Task.CompletedTask;
    }
}
