using Mediator;
using Migration.Application.Abstractions;
using Migration.Application.Common;
using Migration.Domain.Users;

namespace Migration.Application.Users.DeleteUser;

/// <summary>Delete a user on both sides. 404 if the primary side has no such user.</summary>
public sealed record DeleteUserCommand(long Id) : IRequest<Unit>;

internal sealed class DeleteUserCommandHandler(IMigratedRepository<User> users) : IRequestHandler<DeleteUserCommand, Unit>
{
    public async ValueTask<Unit> Handle(DeleteUserCommand request, CancellationToken cancellationToken) =>
        await users.DeleteAsync([request.Id], cancellationToken) ? Unit.Value : throw new NotFoundException($"There is no user {request.Id}.");
}
