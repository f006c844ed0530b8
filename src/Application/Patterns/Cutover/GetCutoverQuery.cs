using FluentValidation;
using Mediator;
using Migration.Application.Abstractions;
using Migration.Application.Validation;
using Migration.Domain;
using Migration.Domain.Patterns;
using Migration.Domain.Runs;

namespace Migration.Application.Patterns.Cutover;

/// <summary>Whether the next switch may happen now, and if not, why.</summary>
/// <param name="To">The pattern to switch to; default the next step forward from the stored one.</param>
public sealed record GetCutoverQuery(string? To) : IRequest<CutoverDto>;

/// <summary>The answer of <c>GET /migrator/cutover</c>.</summary>
/// <param name="Current">The stored pattern.</param>
/// <param name="Next">The pattern asked about (by default the next step forward); null when there is none.</param>
/// <param name="ChangesBase">Whether that switch makes the other side the truth: only such a switch needs proof.</param>
/// <param name="Ready">True when the switch would be accepted now without <c>?force=true</c>.</param>
/// <param name="Reasons">What is missing, one sentence each; empty when ready.</param>
/// <param name="LastFullRun">The latest full run, whichever instance ran it; null when there was none.</param>
/// <param name="AtRisk">What forcing the switch now would put at risk; null when it keeps the base side.</param>
public sealed record CutoverDto(
    string Current, string? Next, bool ChangesBase, bool Ready, IReadOnlyList<string> Reasons, CutoverRunDto? LastFullRun, CutoverRisk? AtRisk)
{
    /// <summary>The running incremental validation: the longest time since a table was caught up, in ms; null when none runs.</summary>
    public long? IncrementalLagMs { get; init; }

    /// <summary>When the latest full run ended, if it completed without finding a difference; null otherwise.</summary>
    public DateTimeOffset? LastCleanFullPassAt { get; init; }

    /// <summary>When the newest difference was found (or a double write's copy failed); null when none is kept.</summary>
    public DateTimeOffset? LastDifferenceAt { get; init; }
}

/// <summary>A full run as its checkpoint in the control database shows it.</summary>
public sealed record CutoverRunDto(
    Guid Id, string Status, string BaseSide, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, InconsistencyCountsDto Inconsistencies)
{
    public static CutoverRunDto From(RunCheckpoint c) => new(
        c.RunId, c.Status.ToString().ToLowerInvariant(), c.BaseSide.ToWire(), c.StartedAt, c.EndedAt,
        new InconsistencyCountsDto(c.TargetMissing, c.Neq, c.BaseMissing));
}

internal sealed class GetCutoverQueryValidator : AbstractValidator<GetCutoverQuery>
{
    public GetCutoverQueryValidator() =>
        RuleFor(q => q.To).Must(to => to is null || WritePatternExtensions.TryParseWire(to, out _))
            .WithMessage("'to' must be one of src_only, src_first, dst_first, dst_only.");
}

internal sealed class GetCutoverQueryHandler(IPatternStore patterns, CutoverGate gate) : IRequestHandler<GetCutoverQuery, CutoverDto>
{
    public async ValueTask<CutoverDto> Handle(GetCutoverQuery request, CancellationToken cancellationToken)
    {
        var current = await patterns.ReadAsync(cancellationToken);
        WritePattern? next = request.To is { } to && WritePatternExtensions.TryParseWire(to, out var asked) ? asked
            : current.Pattern == WritePattern.DstOnly ? null
            : current.Pattern + 1;
        if (next is not { } target)
        {
            return new CutoverDto(current.Pattern.ToWire(), null, false, false, ["dst_only is the last step of the migration"], null, null);
        }

        var check = await gate.CheckAsync(current, target, cancellationToken);
        var reasons = check.Reasons.ToList();
        var move = PatternMoveRule.Check(current.Pattern, target, force: false);
        if (move == PatternMoveCheck.Refused)
        {
            reasons.Insert(0, $"{target.ToWire()} is not one step from {current.Pattern.ToWire()}; it needs ?force=true");
        }

        return new CutoverDto(
            current.Pattern.ToWire(), target.ToWire(), check.ChangesBase, reasons.Count == 0, reasons,
            check.LastFullRun is { } run ? CutoverRunDto.From(run) : null, check.AtRisk)
        {
            IncrementalLagMs = check.IncrementalLagMs,
            LastCleanFullPassAt = check.LastCleanFullPassAt,
            LastDifferenceAt = check.LastDifferenceAt,
        };
    }
}
