using FluentValidation;

namespace Migration.Application.DeadLetters.RetryDeadLetters;

internal sealed class RetryDeadLettersCommandValidator : AbstractValidator<RetryDeadLettersCommand>
{
    public const int MaxIds = 1_000;

    public RetryDeadLettersCommandValidator() =>
        RuleFor(c => c.Ids).Must(ids => ids is null || (ids.Count is > 0 and <= MaxIds && ids.All(id => id > 0)))
            .WithMessage($"'ids' must list 1 to {MaxIds} dead letter ids (each 1 or more); leave it out to replay every open dead letter.");
}
