using FluentValidation;
using Mediator;
using Migration.Application.Abstractions;
using Migration.Application.Common;
using Migration.Domain.Users;

namespace Migration.Application.Users.TransferBalance;

/// <summary>
/// Move an amount from one user's balance to another's: two rows written in one unit of work, so both change on the
/// primary side or neither does, and the secondary receives both.
/// </summary>
public sealed record TransferBalanceCommand(long? From, long? To, decimal? Amount) : IRequest<TransferResultDto>;

/// <summary>Both users after the transfer.</summary>
public sealed record TransferResultDto(UserDto From, UserDto To);

internal sealed class TransferBalanceCommandValidator : AbstractValidator<TransferBalanceCommand>
{
    public TransferBalanceCommandValidator()
    {
        RuleFor(c => c.From).NotNull().WithMessage("'from' is required: a user id.")
            .GreaterThan(0).WithMessage("'from' must be a user id.");
        RuleFor(c => c.To).Cascade(CascadeMode.Stop).NotNull().WithMessage("'to' is required: a user id.")
            .GreaterThan(0).WithMessage("'to' must be a user id.")
            .NotEqual(c => c.From).WithMessage("'to' must differ from 'from'.");
        RuleFor(c => c.Amount).Cascade(CascadeMode.Stop).NotNull().WithMessage("'amount' is required.")
            .GreaterThan(0).WithMessage("'amount' must be more than 0.")
            .PrecisionScale(12, 2, ignoreTrailingZeros: true).WithMessage("'amount' must have at most 2 decimal places and 10 digits before the point.");
    }
}

internal sealed class TransferBalanceCommandHandler(IMigratedRepository<User> users, IMigratedUnitOfWorkFactory work)
    : IRequestHandler<TransferBalanceCommand, TransferResultDto>
{
    /// <summary>The largest value of the <c>balance</c> column, DECIMAL(12,2).</summary>
    private const decimal MaxBalance = 9_999_999_999.99m;

    public async ValueTask<TransferResultDto> Handle(TransferBalanceCommand request, CancellationToken cancellationToken)
    {
        var from = await users.GetAsync([request.From!.Value], cancellationToken) ?? throw new NotFoundException($"There is no user {request.From}.");
        var to = await users.GetAsync([request.To!.Value], cancellationToken) ?? throw new NotFoundException($"There is no user {request.To}.");
        var amount = request.Amount!.Value;
        if (from.Balance < amount)
        {
            throw new ConflictException(
                $"User {from.Id} has a balance of {from.Balance}, less than {amount}.",
                new Dictionary<string, object?> { ["balance"] = from.Balance });
        }

        if (to.Balance + amount > MaxBalance)
        {
            throw new ConflictException($"User {to.Id}'s balance would exceed {MaxBalance}.", new Dictionary<string, object?> { ["balance"] = to.Balance });
        }

        from.Balance -= amount;
        to.Balance += amount;
        // Updates are optimistic on utime: if either row changed since it was read, the commit fails with 409 and
        // nothing is written.
        await work.Begin().Update(from).Update(to).CommitAsync(cancellationToken);
        return new TransferResultDto(UserDto.From(from), UserDto.From(to));
    }
}
