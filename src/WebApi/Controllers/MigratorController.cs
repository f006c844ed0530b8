using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Migration.Application.Patterns;
using Migration.Application.Patterns.Cutover;
using Migration.Application.Patterns.GetPattern;
using Migration.Application.Patterns.SwitchPattern;
using Migration.Application.Validation;
using Migration.Application.Validation.GetStatus;
using Migration.Application.Validation.StartFull;
using Migration.Application.Validation.StartIncr;
using Migration.Application.Validation.StopFull;
using Migration.Application.Validation.StopIncr;
using Migration.WebApi.Security;

namespace Migration.WebApi.Controllers;

/// <summary>Starts and stops validation runs, switches the double-write pattern and reports where the migration stands.</summary>
[ApiController]
[Route("migrator")]
public sealed class MigratorController(IMediator mediator) : ControllerBase
{
    /// <summary>Start incremental validation of rows with <c>utime</c> at or after the given one, replacing a running one.</summary>
    /// <remarks>Returns at once; the run goes on in the background, polling every <c>interval</c> ms once caught up, until stopped.</remarks>
    /// <response code="202">The run started; its id and settings.</response>
    /// <response code="400">The body is missing, not JSON, or a field is invalid; <c>errors</c> names the field.</response>
    /// <response code="409">Nothing to resume (with <c>"resume": true</c>), the service is shutting down, or the table cannot be compared (the body names <c>table</c> and <c>column</c>; <c>id</c> must be an integer, and so must <c>utime</c>).</response>
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
    /// <response code="409">Nothing to resume, the service is shutting down, or the table cannot be compared (the body names <c>table</c> and <c>column</c>; <c>id</c> must be an integer).</response>
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

    /// <summary>Switch the double-write pattern to <c>src_only</c>: read and write the source only.</summary>
    /// <param name="force">Allow a jump of more than one step, or a step while another instance still applies an older pattern. Logged as forced.</param>
    /// <response code="200">Switched (or already there); says which validation runs were restarted with the new base side.</response>
    /// <response code="409">Not a single step from the current pattern (without <c>force</c>), another instance lags behind, or another switch got there first. The body names <c>current</c> and <c>allowed</c>.</response>
    [HttpPost("src_only")]
    [Authorize(Policy = Policies.Operator)]
    [ProducesResponseType<PatternSwitchDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict)]
    public Task<PatternSwitchDto> SrcOnly([FromQuery] bool force = false, CancellationToken cancellationToken = default) =>
        Switch("src_only", force, cancellationToken);

    /// <summary>Switch to <c>src_first</c>: read the source; write the source, then the target. The source is the truth.</summary>
    /// <param name="force">Allow a jump of more than one step, or a step while another instance still applies an older pattern. Logged as forced.</param>
    /// <response code="200">Switched (or already there); says which validation runs were restarted with the new base side.</response>
    /// <response code="409">Not a single step from the current pattern (without <c>force</c>), another instance lags behind, another switch got there first, or the source is not proven to hold every acknowledged write (<c>reasons</c>, <c>atRisk</c>; see GET /migrator/cutover). The body names <c>current</c> and <c>allowed</c>.</response>
    [HttpPost("src_first")]
    [Authorize(Policy = Policies.Operator)]
    [ProducesResponseType<PatternSwitchDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict)]
    public Task<PatternSwitchDto> SrcFirst([FromQuery] bool force = false, CancellationToken cancellationToken = default) =>
        Switch("src_first", force, cancellationToken);

    /// <summary>Switch to <c>dst_first</c>: read the target; write the target, then the source. The target is the truth.</summary>
    /// <param name="force">Allow a jump of more than one step, or a step while another instance still applies an older pattern. Logged as forced.</param>
    /// <response code="200">Switched (or already there); says which validation runs were restarted with the new base side.</response>
    /// <response code="409">Not a single step from the current pattern (without <c>force</c>), another instance lags behind, another switch got there first, or the target is not proven to hold every acknowledged write (<c>reasons</c>, <c>atRisk</c>; see GET /migrator/cutover). The body names <c>current</c> and <c>allowed</c>.</response>
    [HttpPost("dst_first")]
    [Authorize(Policy = Policies.Operator)]
    [ProducesResponseType<PatternSwitchDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict)]
    public Task<PatternSwitchDto> DstFirst([FromQuery] bool force = false, CancellationToken cancellationToken = default) =>
        Switch("dst_first", force, cancellationToken);

    /// <summary>Switch to <c>dst_only</c>: read and write the target only.</summary>
    /// <param name="force">Allow a jump of more than one step, or a step while another instance still applies an older pattern. Logged as forced.</param>
    /// <response code="200">Switched (or already there); says which validation runs were restarted with the new base side.</response>
    /// <response code="409">Not a single step from the current pattern (without <c>force</c>), another instance lags behind, or another switch got there first. The body names <c>current</c> and <c>allowed</c>.</response>
    [HttpPost("dst_only")]
    [Authorize(Policy = Policies.Operator)]
    [ProducesResponseType<PatternSwitchDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict)]
    public Task<PatternSwitchDto> DstOnly([FromQuery] bool force = false, CancellationToken cancellationToken = default) =>
        Switch("dst_only", force, cancellationToken);

    /// <summary>The stored pattern, the one this instance applies, the allowed moves, and the pattern each live instance applies.</summary>
    /// <response code="200">The pattern; <c>converged</c> is true once every live instance applies it.</response>
    [HttpGet("pattern")]
    [ProducesResponseType<PatternStateDto>(StatusCodes.Status200OK)]
    public async Task<PatternStateDto> Pattern(CancellationToken cancellationToken) =>
        await mediator.Send(new GetPatternQuery(), cancellationToken);

    /// <summary>
    /// The pattern, the latest incremental and full runs with their progress, the repair counters, the live instances
    /// with the pattern each applies, and the double-write counters.
    /// </summary>
    /// <response code="200">The status.</response>
    [HttpGet("status")]
    [ProducesResponseType<MigrationStatusDto>(StatusCodes.Status200OK)]
    public async Task<MigrationStatusDto> Status(CancellationToken cancellationToken) =>
        await mediator.Send(new GetStatusQuery(), cancellationToken);

    /// <summary>Whether the next switch may happen now: the checks a change of the base side needs, and what is missing.</summary>
    /// <param name="to">The pattern to switch to; default the next step forward from the stored one.</param>
    /// <response code="200">The answer: <c>ready</c>, and <c>reasons</c> when not.</response>
    /// <response code="400">'to' is not a pattern.</response>
    [HttpGet("cutover")]
    [ProducesResponseType<CutoverDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest)]
    public async Task<CutoverDto> Cutover([FromQuery] string? to, CancellationToken cancellationToken) =>
        await mediator.Send(new GetCutoverQuery(to), cancellationToken);

    private async Task<PatternSwitchDto> Switch(string pattern, bool force, CancellationToken cancellationToken) =>
        await mediator.Send(new SwitchPatternCommand(pattern, force, User.Identity?.Name), cancellationToken);
}
