using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Migration.Application.Inconsistencies.ListInconsistencies;
using Migration.Application.Inconsistencies.RepairInconsistencies;
using Migration.WebApi.Infrastructure;
using Migration.WebApi.Security;

namespace Migration.WebApi.Controllers;

/// <summary>Every difference found, with both sides' values and what became of it; open ones can be repaired on request.</summary>
[ApiController]
[Route("migrator/inconsistencies")]
public sealed class InconsistenciesController(IMediator mediator) : ControllerBase
{
    /// <summary>Stored differences, newest first. <c>Accept: text/csv</c> gives the same page as CSV, a line per differing column.</summary>
    /// <param name="run">Only those a run found (its id).</param>
    /// <param name="table">Only those of a table.</param>
    /// <param name="type"><c>target_missing</c>, <c>neq</c> or <c>base_missing</c>.</param>
    /// <param name="outcome"><c>pending</c>, <c>repaired</c>, <c>conflict</c>, <c>dead-letter</c> or <c>gone</c>.</param>
    /// <param name="after">Continue after this difference: the previous page's <c>nextAfter</c> (CSV: the <c>X-Next-After</c> header).</param>
    /// <param name="limit">Differences per page, 1 to 1,000. Default 100.</param>
    /// <response code="200">A page of differences; <c>nextAfter</c> is null on the last page.</response>
    /// <response code="400">A parameter is invalid; <c>errors</c> names it.</response>
    [HttpGet]
    [ProducesResponseType<InconsistencyPageDto>(StatusCodes.Status200OK, "application/json", "text/csv")]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest)]
    public async Task<IActionResult> List(
        [FromQuery] string? run, [FromQuery] string? table, [FromQuery] string? type, [FromQuery] string? outcome, [FromQuery] long? after,
        [FromQuery] int? limit, CancellationToken cancellationToken)
    {
        var page = await mediator.Send(new ListInconsistenciesQuery(run, table, type, outcome, after, limit), cancellationToken);
        return WantsCsv() ? InconsistencyCsv.Result(page, Response) : Ok(page);
    }

    /// <summary>
    /// Repair stored differences that are still open (<c>pending</c>, e.g. found by a report-only run, or <c>conflict</c>):
    /// each is handed to the repair again, confirmed now. A <c>winner</c> decides them: that side's row is copied to the
    /// other, whatever the repair policy prefers.
    /// </summary>
    /// <remarks>Body: <c>{"run": "…"}</c>, <c>{"table": "users", "keys": [42, 43]}</c>, <c>{"run": "…", "outcome": "conflict", "winner": "DST"}</c>; at least one of <c>run</c>, <c>table</c>, <c>keys</c>.</remarks>
    /// <response code="200">How many were handed to the repair, and the keys asked for that match no open difference.</response>
    /// <response code="400">The body is not JSON, has unknown fields, names nothing to repair, or a field is invalid; <c>errors</c> names it.</response>
    [HttpPost("repair")]
    [Authorize(Policy = Policies.Operator)]
    [Consumes("application/json")]
    [ProducesResponseType<RepairInconsistenciesResultDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden)]
    public async Task<RepairInconsistenciesResultDto> Repair([FromBody] RepairInconsistenciesCommand command, CancellationToken cancellationToken) =>
        await mediator.Send(command with { Actor = User.Identity?.Name }, cancellationToken);

    /// <summary>CSV when the caller asks for it before JSON (<c>Accept: text/csv</c>).</summary>
    private bool WantsCsv()
    {
        var accept = Request.GetTypedHeaders().Accept;
        var csv = accept.Where(a => a.MediaType.Equals("text/csv", StringComparison.OrdinalIgnoreCase)).Select(a => a.Quality ?? 1).DefaultIfEmpty(-1).Max();
        var json = accept.Where(a => a.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)).Select(a => a.Quality ?? 1).DefaultIfEmpty(-1).Max();
        return csv > 0 && csv >= json;
    }
}
