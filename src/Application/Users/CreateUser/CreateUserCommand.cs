using FluentValidation;
using Mediator;
using Migration.Application.Abstractions;
using Migration.Domain.Users;

namespace Migration.Application.Users.CreateUser;

/// <summary>Create a user; the primary side assigns the id, which the secondary receives as is.</summary>
public sealed record CreateUserCommand(string? Name, string? Email, int? Age, decimal? Balance) : IRequest<UserDto>, IUserFields;

internal sealed class CreateUserCommandValidator : AbstractValidator<CreateUserCommand>
{
    public CreateUserCommandValidator() => UserFieldRules.Apply(this);
}

internal sealed class CreateUserCommandHandler(IMigratedRepository<User> users, TimeProvider time)
    : IRequestHandler<CreateUserCommand, UserDto>
{
    public async ValueTask<UserDto> Handle(CreateUserCommand request, CancellationToken cancellationToken)
    {
        // The validation behavior guarantees every field is present and valid.
        var user = new User
        {
            Name = request.Name!,
            Email = request.Email!,
            Age = request.Age!.Value,
            Balance = request.Balance!.Value,
            Ctime = time.GetUtcNow().ToUnixTimeMilliseconds(),
        };
        return UserDto.From(await users.InsertAsync(user, cancellationToken));
    }
}
