using Migration.Domain.Users;

namespace Migration.Application.Users;

/// <summary>A user as stored on the primary side.</summary>
/// <param name="Ctime">Creation time, ms since the epoch.</param>
/// <param name="Utime">Last update time, ms since the epoch; the same on both sides after a double write.</param>
public sealed record UserDto(long Id, string Name, string Email, int Age, decimal Balance, long Ctime, long Utime)
{
    public static UserDto From(User user) => new(user.Id, user.Name, user.Email, user.Age, user.Balance, user.Ctime, user.Utime);
}

/// <summary>A page of users by id.</summary>
/// <param name="NextAfterId">Pass as <c>afterId</c> for the next page; null on the last page.</param>
public sealed record UserPageDto(IReadOnlyList<UserDto> Items, long? NextAfterId);

/// <summary>The fields a client sets on a user.</summary>
public interface IUserFields
{
    string? Name { get; }

    string? Email { get; }

    int? Age { get; }

    decimal? Balance { get; }
}
