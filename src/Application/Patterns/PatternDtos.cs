using Migration.Application.Abstractions;
using Migration.Application.Validation;
using Migration.Domain.Patterns;

namespace Migration.Application.Patterns;

/// <summary>One live instance of the service, as its last heartbeat shows it.</summary>
/// <param name="Pattern">The pattern it applied at its last heartbeat.</param>
/// <param name="PatternVersion">The stored version of that pattern; equal to the stored version once it has converged.</param>
/// <param name="SecondaryFailures">Writes on that instance whose copy to the secondary side failed.</param>
/// <param name="Self">True for the instance that answered this request.</param>
public sealed record InstanceDto(
    string Id,
    string Host,
    string Pattern,
    long PatternVersion,
    DateTimeOffset StartedAt,
    DateTimeOffset LastSeen,
    long SecondaryFailures,
    bool Self)
{
    public static InstanceDto From(InstanceStatus instance, string selfId) => new(
        instance.InstanceId,
        instance.Host,
        instance.Pattern.ToWire(),
        instance.PatternVersion,
        instance.StartedAt,
        instance.LastSeen,
        instance.SecondaryFailures,
        instance.InstanceId == selfId);
}

/// <summary>The stored pattern, what this instance applies, and whether every live instance has caught up.</summary>
/// <param name="Pattern">The stored pattern: <c>src_only</c>, <c>src_first</c>, <c>dst_first</c> or <c>dst_only</c>.</param>
/// <param name="Version">Increases by one on every switch.</param>
/// <param name="ChangedBy">The instance that made the last switch; null for the initial pattern from configuration.</param>
/// <param name="Forced">Whether the last switch was a forced jump.</param>
/// <param name="BaseSide">The side that is the truth under the stored pattern: <c>SRC</c> or <c>DST</c>.</param>
/// <param name="Applied">The pattern the answering instance applies to its writes now.</param>
/// <param name="Allowed">The patterns reachable from the stored one without <c>?force=true</c>.</param>
/// <param name="Converged">True when every live instance applies the stored version.</param>
public sealed record PatternStateDto(
    string Pattern,
    long Version,
    DateTimeOffset ChangedAt,
    string? ChangedBy,
    bool Forced,
    string BaseSide,
    string Applied,
    IReadOnlyList<string> Allowed,
    bool Converged,
    IReadOnlyList<InstanceDto> Instances)
{
    /// <summary>Who forced the last switch (the API key's name or the token's subject); null unless it was forced.</summary>
    public string? ForcedBy { get; init; }
}

/// <summary>What a pattern switch did to a validation run of the answering instance.</summary>
/// <param name="Kind"><c>incremental</c> or <c>full</c>.</param>
/// <param name="Restarted">True when the run was stopped and started again with the new base side.</param>
/// <param name="Reason">Why it was restarted or kept.</param>
/// <param name="ReplacedRunId">The id of the stopped run, when restarted.</param>
/// <param name="Run">The run that is running now.</param>
public sealed record RunRestartDto(string Kind, bool Restarted, string Reason, Guid? ReplacedRunId, RunDto Run);

/// <summary>The answer to a pattern switch.</summary>
/// <param name="Previous">The pattern before the switch.</param>
/// <param name="Pattern">The pattern stored now.</param>
/// <param name="Changed">False when the pattern already was the requested one.</param>
/// <param name="Forced">True when the switch was a jump allowed by <c>?force=true</c>.</param>
/// <param name="BaseSide">The side that is the truth now: reads and first writes go there.</param>
/// <param name="Allowed">The patterns reachable from the new one without forcing.</param>
/// <param name="Validation">The running validation runs of this instance and what the switch did to each.</param>
/// <param name="Message">A sentence saying what happened, for people reading the response.</param>
public sealed record PatternSwitchDto(
    string Previous,
    string Pattern,
    bool Changed,
    bool Forced,
    long Version,
    string BaseSide,
    IReadOnlyList<string> Allowed,
    IReadOnlyList<RunRestartDto> Validation,
    string Message);
