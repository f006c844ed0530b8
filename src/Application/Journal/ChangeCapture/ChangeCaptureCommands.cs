using Mediator;
using Migration.Application.Abstractions;

namespace Migration.Application.Journal.ChangeCapture;

/// <summary>Install the change-capture triggers on the source (idempotent).</summary>
public sealed record InstallChangeCaptureCommand : IRequest<ChangeCaptureDto>;

/// <summary>Remove the change-capture triggers from the source (idempotent).</summary>
public sealed record RemoveChangeCaptureCommand : IRequest<ChangeCaptureDto>;

internal sealed class InstallChangeCaptureCommandHandler(IChangeCapture capture) : IRequestHandler<InstallChangeCaptureCommand, ChangeCaptureDto>
{
    public async ValueTask<ChangeCaptureDto> Handle(InstallChangeCaptureCommand request, CancellationToken cancellationToken) =>
        await capture.InstallAsync(cancellationToken);
}

internal sealed class RemoveChangeCaptureCommandHandler(IChangeCapture capture) : IRequestHandler<RemoveChangeCaptureCommand, ChangeCaptureDto>
{
    public async ValueTask<ChangeCaptureDto> Handle(RemoveChangeCaptureCommand request, CancellationToken cancellationToken) =>
        await capture.RemoveAsync(cancellationToken);
}
