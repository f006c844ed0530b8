using FluentValidation;
using Migration.Domain.Patterns;

namespace Migration.Application.Patterns.SwitchPattern;

internal sealed class SwitchPatternCommandValidator : AbstractValidator<SwitchPatternCommand>
{
    public SwitchPatternCommandValidator() =>
        RuleFor(c => c.Pattern)
            .Must(p => WritePatternExtensions.TryParseWire(p, out _))
            .WithMessage("'pattern' must be src_only, src_first, dst_first or dst_only.");
}
