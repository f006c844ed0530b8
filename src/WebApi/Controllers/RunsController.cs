using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Migration.Application.Runs;
using Migration.Application.Runs.GetFixScript;
using Migration.Application.Runs.GetRun;
using Migration.Application.Runs.ListRuns;
using Migration.WebApi.Infrastructure;
using Migration.WebApi.Security;

namespace Migration.WebApi.Controllers;

/// <summary>The validation runs of the last <c>Migration:Report:KeepRuns</c>, and the SQL that fixes what one found.</summary>
[ApiController]
[Route("migrator/runs")]
public sealed class RunsController(IMediator mediator) : ControllerBase
{
    /// <summary>The run history, newest first: settings, status and counts per table.</summary>
    /// <param name="limit">Runs per page, 1 to 1,000. Default 20.</param>
    /// <param name="before">Only older runs: the previous page's <c>nextBefore</c>.</param>
    /// <response code="200">A page of runs; <c>nextBefore</c> is null on the last page.</response>
    /// <response code="400">A parameter is invalid; <c>errors</c> names it.</response>
    [HttpGet]
    [ProducesResponseType<RunPageDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest)]
    public async Task<RunPageDto> List([FromQuery] int? limit, [FromQuery] long? before, CancellationToken cancellationToken) =>
        await mediator.Send(new ListRunsQuery(limit, before), cancellationToken);

    /// <summary>One run, with its stored differences counted by outcome.</summary>
    /// <param name="id">The run's id.</param>
    /// <response code="200">The run.</response>
    /// <response code="400"><c>id</c> is not a run id (a GUID).</response>
    /// <response code="404">No such run in the history.</response>
    [HttpGet("{id}")]
    [ProducesResponseType<RunRecordDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound)]
    public async Task<RunRecordDto> Get(string id, CancellationToken cancellationToken) =>
        await mediator.Send(new GetRunQuery(id), cancellationToken);

    /// <summary>
    /// SQL that makes the run's other side equal to its base for every row the run found different, to apply with the
    /// engine's client (<c>mariadb … DB &lt; fix.sql</c>). Each base row is read again now: upserts for rows the base
    /// has, deletes for rows it no longer has. It carries real values, redacted columns included: it needs the operator role.
    /// </summary>
    /// <param name="id">The run's id.</param>
    /// <response code="200">The script (<c>application/sql</c>), written as it is read; its last line says how many rows it holds.</response>
    /// <response code="400"><c>id</c> is not a run id (a GUID).</response>
    /// <response code="404">No such run in the history.</response>
    [HttpGet("{id}/fix.sql")]
    [Authorize(Policy = Policies.Operator)]
    [ProducesResponseType<string>(StatusCodes.Status200OK, "application/sql")]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status401Unauthorized)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound)]
    public async Task<IActionResult> FixSql(string id, CancellationToken cancellationToken)
    {
        var script = await mediator.Send(new GetFixScriptQuery(id), cancellationToken);
        return new StreamedTextResult(script.Text, "application/sql; charset=utf-8", $"fix-{script.RunId}.sql");
    }
}
