using Mediator;
using Migration.Application.Abstractions;

namespace Migration.Application.Journal.ChangeCapture;

/// <summary>Install the change-capture triggers on the source (idempotent).</summary>
public sealed record InstallChangeCaptureCommand : IRequest<ChangeCaptureDto>;

/// <summary>Remove the change-capture triggers from the source (idempotent).</summary>
public sealed record RemoveChangeCaptureCommand : IRequest<ChangeCaptureDto>;

/// <summary>
/// Installs or removes the triggers, then makes the status forget its cached journal measurement either way: its list
/// of tables with triggers must not wait for the journal worker's next count.
/// </summary>
internal sealed class ChangeCaptureCommandHandler(IChangeCapture capture, IWriteJournalMonitor journal)
    : IRequestHandler<InstallChangeCaptureCommand, ChangeCaptureDto>, IRequestHandler<RemoveChangeCaptureCommand, ChangeCaptureDto>
{
    public ValueTask<ChangeCaptureDto> Handle(InstallChangeCaptureCommand request, CancellationToken cancellationToken) =>
        ThenInvalidateAsync(capture.InstallAsync, cancellationToken);

    public ValueTask<ChangeCaptureDto> Handle(RemoveChangeCaptureCommand request, CancellationToken cancellationToken) =>
        ThenInvalidateAsync(capture.RemoveAsync, cancellationToken);

    private async ValueTask<ChangeCaptureDto> ThenInvalidateAsync(
        Func<CancellationToken, Task<ChangeCaptureDto>> change, CancellationToken cancellationToken)
    {
        try
        {
            return await change(cancellationToken);
        }
        finally
        {
            journal.Invalidate();
        }
    }
}
