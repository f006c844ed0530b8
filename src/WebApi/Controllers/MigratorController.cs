using Mediator;
using Microsoft.AspNetCore.Mvc;
using Migration.Application.Validation;
using Migration.Application.Validation.GetStatus;
using Migration.Application.Validation.StartFull;
using Migration.Application.Validation.StartIncr;
using Migration.Application.Validation.StopFull;
using Migration.Application.Validation.StopIncr;

namespace Migration.WebApi.Controllers;

/// <summary>Starts and stops validation runs and reports where the migration stands.</summary>
[ApiController]
[Route("migrator")]
public sealed class MigratorController(IMediator mediator) : ControllerBase
{
    /// <summary>Start incremental validation of rows with <c>utime</c> greater than the given one, replacing a running one.</summary>
    /// <remarks>Returns at once; the run goes on in the background, polling every <c>interval</c> ms once caught up, until stopped.</remarks>
    /// <response code="202">The run started; its id and settings.</response>
    /// <response code="400">The body is missing, not JSON, or a field is invalid; <c>errors</c> names the field.</response>
    /// <response code="409">Nothing to resume (with <c>"resume": true</c>), or the service is shutting down.</response>
    [HttpPost("incr/start")]
    [Consumes("application/json")]
    [ProducesResponseType<RunDto>(StatusCodes.Status202Accepted)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict)]
    public async Task<ActionResult<RunDto>> StartIncr([FromBody] StartIncrCommand command, CancellationToken cancellationToken) =>
        Accepted(await mediator.Send(command, cancellationToken));

    /// <summary>Stop incremental validation; returns once the background task has exited.</summary>
    /// <response code="200">Stopped (or nothing was running); the last run's final figures.</response>
    [HttpPost("incr/stop")]
    [ProducesResponseType<StopResultDto>(StatusCodes.Status200OK)]
    public async Task<StopResultDto> StopIncr(CancellationToken cancellationToken) =>
        await mediator.Send(new StopIncrCommand(), cancellationToken);

    /// <summary>Start full validation (every row, both directions), replacing a running one. It ends by itself.</summary>
    /// <remarks>The body is optional; <c>{"resume": true}</c> continues the latest full run from its checkpoint.</remarks>
    /// <response code="202">The run started.</response>
    /// <response code="400">The body is not JSON or has unknown fields.</response>
    /// <response code="409">Nothing to resume, or the service is shutting down.</response>
    [HttpPost("full/start")]
    [ProducesResponseType<RunDto>(StatusCodes.Status202Accepted)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict)]
    public async Task<ActionResult<RunDto>> StartFull(
        [FromBody(EmptyBodyBehavior = Microsoft.AspNetCore.Mvc.ModelBinding.EmptyBodyBehavior.Allow)] StartFullCommand? command,
        CancellationToken cancellationToken) =>
        Accepted(await mediator.Send(command ?? new StartFullCommand(), cancellationToken));

    /// <summary>Stop full validation; returns once the background task has exited.</summary>
    /// <response code="200">Stopped (or nothing was running); the last run's final figures.</response>
    [HttpPost("full/stop")]
    [ProducesResponseType<StopResultDto>(StatusCodes.Status200OK)]
    public async Task<StopResultDto> StopFull(CancellationToken cancellationToken) =>
        await mediator.Send(new StopFullCommand(), cancellationToken);

    /// <summary>The pattern, the latest incremental and full runs with their progress, and the repair counters.</summary>
    /// <response code="200">The status.</response>
    [HttpGet("status")]
    [ProducesResponseType<MigrationStatusDto>(StatusCodes.Status200OK)]
    public async Task<MigrationStatusDto> Status(CancellationToken cancellationToken) =>
        await mediator.Send(new GetStatusQuery(), cancellationToken);
}
