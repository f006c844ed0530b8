using Mediator;
using Migration.Application.Abstractions;
using Migration.Domain;
using Migration.Domain.Patterns;

namespace Migration.Application.Patterns.GetPattern;

/// <summary>The stored pattern, the one this instance applies, and the pattern each live instance applies.</summary>
public sealed record GetPatternQuery : IRequest<PatternStateDto>;

internal sealed class GetPatternQueryHandler(IPatternStore patterns, IInstanceRegistry instances)
    : IRequestHandler<GetPatternQuery, PatternStateDto>
{
    public async ValueTask<PatternStateDto> Handle(GetPatternQuery request, CancellationToken cancellationToken)
    {
        var stored = await patterns.ReadAsync(cancellationToken);
        var applied = await patterns.GetAsync(cancellationToken);
        var live = await instances.LiveInstancesAsync(cancellationToken);
        return new PatternStateDto(
            stored.Pattern.ToWire(),
            stored.Version,
            stored.ChangedAt,
            stored.ChangedBy,
            stored.Forced,
            stored.Pattern.Primary().ToWire(),
            applied.ToWire(),
            PatternMoveRule.AllowedFrom(stored.Pattern).Select(p => p.ToWire()).ToArray(),
            live.All(i => i.PatternVersion >= stored.Version),
            live.Select(i => InstanceDto.From(i, instances.InstanceId)).ToArray())
        {
            ForcedBy = stored.ForcedBy,
        };
    }
}
