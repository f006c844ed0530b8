using Mediator;
using Migration.Application.Abstractions;
using Migration.Application.Common;
using Migration.Domain.Users;

namespace Migration.Application.Users.GetUser;

/// <summary>One user, read from the primary side.</summary>
public sealed record GetUserQuery(long Id) : IRequest<UserDto>;

internal sealed class GetUserQueryHandler(IMigratedRepository<User> users) : IRequestHandler<GetUserQuery, UserDto>
{
    public async ValueTask<UserDto> Handle(GetUserQuery request, CancellationToken cancellationToken) =>
        await users.GetAsync([request.Id], cancellationToken) is { } user
            ? UserDto.From(user)
            : throw new NotFoundException($"There is no user {request.Id}.");
}
