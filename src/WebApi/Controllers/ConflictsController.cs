using Mediator;
using Microsoft.AspNetCore.Mvc;
using Migration.Application.Conflicts.ListConflicts;

namespace Migration.WebApi.Controllers;

/// <summary>Rows the repair policy refused to touch (<c>Migration:Repair:Policy</c>): stored, counted and listed.</summary>
[ApiController]
[Route("migrator/conflicts")]
public sealed class ConflictsController(IMediator mediator) : ControllerBase
{
    /// <summary>Conflicts, newest first.</summary>
    /// <param name="status"><c>open</c> (default) or <c>all</c>.</param>
    /// <param name="before">List conflicts with a smaller id: the <c>nextBefore</c> of the previous page.</param>
    /// <param name="limit">At most this many, 1 to 1,000. Default 100.</param>
    /// <response code="200">The page, with the number of open conflicts.</response>
    /// <response code="400">A parameter is invalid; <c>errors</c> names it.</response>
    [HttpGet]
    [ProducesResponseType<ConflictPageDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest)]
    public async Task<ConflictPageDto> List(
        [FromQuery] string? status, [FromQuery] long? before, [FromQuery] int? limit, CancellationToken cancellationToken) =>
        await mediator.Send(new ListConflictsQuery(status, before, limit), cancellationToken);
}
