using FluentValidation;

namespace Migration.Application.DeadLetters.ListDeadLetters;

internal sealed class ListDeadLettersQueryValidator : AbstractValidator<ListDeadLettersQuery>
{
    public const int MaxLimit = 1_000;

    public ListDeadLettersQueryValidator()
    {
        RuleFor(q => q.Limit).InclusiveBetween(1, MaxLimit).WithMessage($"'limit' must be between 1 and {MaxLimit}.");
        RuleFor(q => q.Before).GreaterThan(0).WithMessage("'before' must be a dead letter id (1 or more).");
    }
}
