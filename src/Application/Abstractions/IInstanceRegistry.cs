using Migration.Domain.Patterns;

namespace Migration.Application.Abstractions;

/// <summary>The instances of the service that share the pattern store, as their heartbeats show them.</summary>
public interface IInstanceRegistry
{
    /// <summary>This instance's id (<c>Migration:InstanceId</c>, or host name, process id and a random suffix).</summary>
    string InstanceId { get; }

    /// <summary>The instances whose last heartbeat is recent enough for them to be alive, this one included.</summary>
    Task<IReadOnlyList<InstanceStatus>> LiveInstancesAsync(CancellationToken cancellationToken);
}

/// <summary>One instance as its last heartbeat describes it.</summary>
/// <param name="Pattern">The pattern it applied at its last heartbeat.</param>
/// <param name="PatternVersion">The stored version of that pattern.</param>
/// <param name="SecondaryFailures">Writes whose copy to the secondary side failed on that instance since it started.</param>
/// <param name="AppliedAt">Since when it applies <paramref name="PatternVersion"/> with no write of an older pattern still running there.</param>
public sealed record InstanceStatus(
    string InstanceId,
    string Host,
    WritePattern Pattern,
    long PatternVersion,
    DateTimeOffset StartedAt,
    DateTimeOffset LastSeen,
    long SecondaryFailures,
    DateTimeOffset AppliedAt)
{
    /// <summary>When rows last differed between the sides on that instance with no event to repair them (a failed copy whose report failed too).</summary>
    public DateTimeOffset? LastUnreportedAt { get; init; }
}
