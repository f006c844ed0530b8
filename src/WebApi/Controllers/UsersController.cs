using Mediator;
using Microsoft.AspNetCore.Mvc;
using Migration.Application.Users;
using Migration.Application.Users.CreateUser;
using Migration.Application.Users.DeleteUser;
using Migration.Application.Users.GetUser;
using Migration.Application.Users.ListUsers;
using Migration.Application.Users.TransferBalance;
using Migration.Application.Users.UpdateUser;

namespace Migration.WebApi.Controllers;

/// <summary>
/// The demo business module: users, read and written through the double-write pool, so a migration can be watched
/// over HTTP. Reads come from the primary side of the current pattern; writes reach both sides when it is a
/// double-writing one.
/// </summary>
[ApiController]
[Route("api/users")]
public sealed class UsersController(IMediator mediator) : ControllerBase
{
    /// <summary>A page of users by id.</summary>
    /// <param name="afterId">List users with a greater id. Default 0.</param>
    /// <param name="limit">At most this many, 1 to 1,000. Default 100.</param>
    /// <response code="200">The page; pass <c>nextAfterId</c> as <c>afterId</c> for the next one.</response>
    /// <response code="400">A parameter is out of range.</response>
    [HttpGet]
    [ProducesResponseType<UserPageDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest)]
    public async Task<UserPageDto> List([FromQuery] long? afterId, [FromQuery] int? limit, CancellationToken cancellationToken) =>
        await mediator.Send(new ListUsersQuery(afterId, limit), cancellationToken);

    /// <summary>One user.</summary>
    /// <response code="200">The user, as the primary side has it.</response>
    /// <response code="404">There is no such user on the primary side.</response>
    [HttpGet("{id:long}")]
    [ProducesResponseType<UserDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound)]
    public async Task<UserDto> Get(long id, CancellationToken cancellationToken) =>
        await mediator.Send(new GetUserQuery(id), cancellationToken);

    /// <summary>Create a user. The primary side assigns the id; the secondary gets the same id.</summary>
    /// <response code="201">Created; <c>Location</c> names the user.</response>
    /// <response code="400">A field is missing or invalid; <c>errors</c> names it.</response>
    /// <response code="503">The write failed on the primary side (nothing was written), or in strict mode on the secondary.</response>
    [HttpPost]
    [Consumes("application/json")]
    [ProducesResponseType<UserDto>(StatusCodes.Status201Created)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status503ServiceUnavailable)]
    public async Task<ActionResult<UserDto>> Create([FromBody] UserBody body, CancellationToken cancellationToken)
    {
        var user = await mediator.Send(new CreateUserCommand(body.Name, body.Email, body.Age, body.Balance), cancellationToken);
        return CreatedAtAction(nameof(Get), new { id = user.Id }, user);
    }

    /// <summary>Replace a user's fields.</summary>
    /// <response code="200">The user as written.</response>
    /// <response code="400">A field is missing or invalid; <c>errors</c> names it.</response>
    /// <response code="404">There is no such user on the primary side.</response>
    /// <response code="409">Another write changed the user meanwhile; read it again and retry.</response>
    /// <response code="503">The write failed on the primary side (nothing was written), or in strict mode on the secondary.</response>
    [HttpPut("{id:long}")]
    [Consumes("application/json")]
    [ProducesResponseType<UserDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status503ServiceUnavailable)]
    public async Task<UserDto> Update(long id, [FromBody] UserBody body, CancellationToken cancellationToken) =>
        await mediator.Send(new UpdateUserCommand(id, body.Name, body.Email, body.Age, body.Balance), cancellationToken);

    /// <summary>Delete a user on both sides.</summary>
    /// <response code="204">Deleted.</response>
    /// <response code="404">There is no such user on the primary side.</response>
    /// <response code="503">The write failed on the primary side (nothing was written), or in strict mode on the secondary.</response>
    [HttpDelete("{id:long}")]
    [ProducesResponseType(StatusCodes.Status204NoContent)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status503ServiceUnavailable)]
    public async Task<IActionResult> Delete(long id, CancellationToken cancellationToken)
    {
        await mediator.Send(new DeleteUserCommand(id), cancellationToken);
        return NoContent();
    }

    /// <summary>Move an amount between two users' balances: both rows in one unit of work.</summary>
    /// <response code="200">Both users after the transfer.</response>
    /// <response code="400">A field is missing or invalid.</response>
    /// <response code="404">One of the users does not exist.</response>
    /// <response code="409">The balance is too low, or a user changed meanwhile.</response>
    /// <response code="503">The write failed on the primary side (nothing was written), or in strict mode on the secondary.</response>
    [HttpPost("transfers")]
    [Consumes("application/json")]
    [ProducesResponseType<TransferResultDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status503ServiceUnavailable)]
    public async Task<TransferResultDto> Transfer([FromBody] TransferBalanceCommand command, CancellationToken cancellationToken) =>
        await mediator.Send(command, cancellationToken);
}

/// <summary>A user's fields, as a client sends them; all are required.</summary>
/// <param name="Name">1 to 100 characters.</param>
/// <param name="Email">An email address, at most 200 characters.</param>
/// <param name="Age">0 to 150.</param>
/// <param name="Balance">At most 10 digits before the decimal point and 2 after it.</param>
public sealed record UserBody(string? Name, string? Email, int? Age, decimal? Balance);
