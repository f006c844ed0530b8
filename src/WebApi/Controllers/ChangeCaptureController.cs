using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Migration.Application.Abstractions;
using Migration.Application.Journal.ChangeCapture;
using Migration.WebApi.Security;

namespace Migration.WebApi.Controllers;

/// <summary>Change capture by triggers on the source (docs/journal.md): writes outside the pool reach the write journal too.</summary>
[ApiController]
[Route("migrator/change-capture")]
public sealed class ChangeCaptureController(IMediator mediator) : ControllerBase
{
    /// <summary>Install the <c>migration_*</c> AFTER INSERT/UPDATE/DELETE triggers on every configured table of the source; idempotent.</summary>
    /// <response code="200">The tables with triggers now, and the triggers this call created.</response>
    /// <response code="409">The source account lacks the <c>TRIGGER</c> privilege (the body names <c>account</c> and <c>privilege</c>), or no table is configured.</response>
    [HttpPost("install")]
    [Authorize(Policy = Policies.Operator)]
    [ProducesResponseType<ChangeCaptureDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict)]
    public async Task<ChangeCaptureDto> Install(CancellationToken cancellationToken) =>
        await mediator.Send(new InstallChangeCaptureCommand(), cancellationToken);

    /// <summary>Drop the service's triggers from the source; idempotent.</summary>
    /// <response code="200">The triggers this call dropped.</response>
    /// <response code="409">The source account lacks the privilege to drop them (the body names <c>account</c>).</response>
    [HttpPost("remove")]
    [Authorize(Policy = Policies.Operator)]
    [ProducesResponseType<ChangeCaptureDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict)]
    public async Task<ChangeCaptureDto> Remove(CancellationToken cancellationToken) =>
        await mediator.Send(new RemoveChangeCaptureCommand(), cancellationToken);
}
