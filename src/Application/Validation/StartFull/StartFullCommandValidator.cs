using FluentValidation;
using Migration.Application.Validation.StartIncr;

namespace Migration.Application.Validation.StartFull;

internal sealed class StartFullCommandValidator : AbstractValidator<StartFullCommand>
{
    public StartFullCommandValidator()
    {
        RuleFor(c => c.MaxRowsPerSecond).InclusiveBetween(0, StartIncrCommandValidator.MaxRowsPerSecondLimit)
            .WithMessage($"'maxRowsPerSecond' must be between 0 (unlimited) and {StartIncrCommandValidator.MaxRowsPerSecondLimit}.");
        RuleFor(c => c.Repair).Null().When(c => c.Resume == true).WithMessage(StartIncrCommandValidator.RepairWithResume);
    }
}
