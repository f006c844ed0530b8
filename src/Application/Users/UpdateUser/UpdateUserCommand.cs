using FluentValidation;
using Mediator;
using Migration.Application.Abstractions;
using Migration.Application.Common;
using Migration.Domain.Users;

namespace Migration.Application.Users.UpdateUser;

/// <summary>Replace a user's fields (all of them). 404 if there is no such user on the primary side.</summary>
public sealed record UpdateUserCommand(long Id, string? Name, string? Email, int? Age, decimal? Balance) : IRequest<UserDto>, IUserFields;

internal sealed class UpdateUserCommandValidator : AbstractValidator<UpdateUserCommand>
{
    public UpdateUserCommandValidator() => UserFieldRules.Apply(this);
}

internal sealed class UpdateUserCommandHandler(IMigratedRepository<User> users) : IRequestHandler<UpdateUserCommand, UserDto>
{
    public async ValueTask<UserDto> Handle(UpdateUserCommand request, CancellationToken cancellationToken)
    {
        var user = await users.GetAsync([request.Id], cancellationToken) ?? throw new NotFoundException($"There is no user {request.Id}.");
        user.Name = request.Name!;
        user.Email = request.Email!;
        user.Age = request.Age!.Value;
        user.Balance = request.Balance!.Value;
        return UserDto.From(await users.UpdateAsync(user, cancellationToken));
    }
}
