using Mediator;
using Microsoft.AspNetCore.Mvc;
using Migration.Application.DeadLetters.ListDeadLetters;
using Migration.Application.DeadLetters.RetryDeadLetters;

namespace Migration.WebApi.Controllers;

/// <summary>
/// Events the repair gave up on (malformed, or every attempt failed), stored as dead letters on either transport:
/// lists them and replays them through the outbox.
/// </summary>
[ApiController]
[Route("migrator/dead-letters")]
public sealed class DeadLettersController(IMediator mediator) : ControllerBase
{
    /// <summary>Dead letters, newest first, with the number still open (not replayed) and in all.</summary>
    /// <param name="limit">Dead letters per page, 1 to 1,000. Default 100.</param>
    /// <param name="before">Only dead letters with a smaller id: the previous page's <c>nextBefore</c>.</param>
    /// <response code="200">A page of dead letters; <c>nextBefore</c> is null on the last page.</response>
    /// <response code="400"><c>limit</c> or <c>before</c> is out of range or not a number; <c>errors</c> names it.</response>
    [HttpGet]
    [ProducesResponseType<DeadLetterPageDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest)]
    public async Task<DeadLetterPageDto> List(
        [FromQuery] int limit = ListDeadLettersQuery.DefaultLimit, [FromQuery] long? before = null, CancellationToken cancellationToken = default) =>
        await mediator.Send(new ListDeadLettersQuery(limit, before), cancellationToken);

    /// <summary>Replay dead letters: each open one is written back into the outbox as a new event and marked retried.</summary>
    /// <remarks>The body is optional: <c>{"ids": [3, 7]}</c> replays those; without ids, every open dead letter is replayed.</remarks>
    /// <response code="200">How many were replayed, their ids, and the ids asked for that are unknown or were replayed before.</response>
    /// <response code="400">The body is not JSON, has unknown fields, or <c>ids</c> is not a list of ids; <c>errors</c> names the field.</response>
    /// <response code="409">Another replay took some of the same dead letters first.</response>
    [HttpPost("retry")]
    [ProducesResponseType<DeadLetterRetryDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict)]
    public async Task<DeadLetterRetryDto> Retry(
        [FromBody(EmptyBodyBehavior = Microsoft.AspNetCore.Mvc.ModelBinding.EmptyBodyBehavior.Allow)] RetryDeadLettersCommand? command,
        CancellationToken cancellationToken) =>
        await mediator.Send(command ?? new RetryDeadLettersCommand(), cancellationToken);
}
