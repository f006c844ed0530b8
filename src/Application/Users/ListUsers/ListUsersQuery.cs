using FluentValidation;
using Mediator;
using Migration.Application.Abstractions;
using Migration.Domain.Users;

namespace Migration.Application.Users.ListUsers;

/// <summary>A page of users by id, read from the primary side.</summary>
/// <param name="AfterId">Users with a greater id are listed. Default 0.</param>
/// <param name="Limit">At most this many (1 to 1,000). Default 100.</param>
public sealed record ListUsersQuery(long? AfterId, int? Limit) : IRequest<UserPageDto>
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1_000;
}

internal sealed class ListUsersQueryValidator : AbstractValidator<ListUsersQuery>
{
    public ListUsersQueryValidator()
    {
        RuleFor(q => q.AfterId).GreaterThanOrEqualTo(0).WithMessage("'afterId' must be 0 or more.");
        RuleFor(q => q.Limit).InclusiveBetween(1, ListUsersQuery.MaxLimit).WithMessage($"'limit' must be between 1 and {ListUsersQuery.MaxLimit}.");
    }
}

internal sealed class ListUsersQueryHandler(IMigratedRepository<User> users) : IRequestHandler<ListUsersQuery, UserPageDto>
{
    public async ValueTask<UserPageDto> Handle(ListUsersQuery request, CancellationToken cancellationToken)
    {
        var limit = request.Limit ?? ListUsersQuery.DefaultLimit;
        var afterId = request.AfterId ?? 0;
        var page = await users.ListAsync(q => q.Where(u => u.Id > afterId).OrderBy(u => u.Id).Take(limit), cancellationToken);
        return new UserPageDto(page.Select(UserDto.From).ToArray(), page.Count == limit ? page[^1].Id : null);
    }
}
