using Migration.Domain.Repair;

namespace Migration.Application.Abstractions;

/// <summary>Rows the repair policy refused to touch, in the control database where every instance sees them.</summary>
public interface IConflictStore
{
    /// <summary>Stores a new open conflict.</summary>
    Task RecordAsync(Conflict conflict, CancellationToken cancellationToken);

    /// <summary>Closes the open conflicts of one row, because a later repair made the sides equal.</summary>
    Task ResolveAsync(string table, string key, string resolution, CancellationToken cancellationToken);

    /// <summary>
    /// Closes every conflict detected before <paramref name="before"/>: a full run that started after them and completed
    /// found every difference that was still there, and its repair decides each again (storing a new conflict if the
    /// policy still refuses). Returns how many were closed.
    /// </summary>
    Task<int> SupersedeAsync(DateTimeOffset before, string resolution, CancellationToken cancellationToken);

    /// <summary>Conflicts newest first: open ones only, or all; those with an id below <paramref name="beforeId"/> when given.</summary>
    Task<IReadOnlyList<Conflict>> ListAsync(bool openOnly, long? beforeId, int limit, CancellationToken cancellationToken);

    /// <summary>How many conflicts are open.</summary>
    Task<long> CountOpenAsync(CancellationToken cancellationToken);
}
