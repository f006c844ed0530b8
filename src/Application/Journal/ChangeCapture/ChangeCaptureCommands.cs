using Mediator;
using Migration.Application.Abstractions;

namespace Migration.Application.Journal.ChangeCapture;

/// <summary>Install the change-capture triggers on the source (idempotent).</summary>
public sealed record InstallChangeCaptureCommand : IRequest<ChangeCaptureDto>;

/// <summary>Remove the change-capture triggers from the source (idempotent).</summary>
public sealed record RemoveChangeCaptureCommand : IRequest<ChangeCaptureDto>;

internal sealed class InstallChangeCaptureCommandHandler(IChangeCapture capture, IWriteJournalMonitor journal)
    : IRequestHandler<InstallChangeCaptureCommand, ChangeCaptureDto>
{
    public async ValueTask<ChangeCaptureDto> Handle(InstallChangeCaptureCommand request, CancellationToken cancellationToken)
    {
        try
        {
            return await capture.InstallAsync(cancellationToken);
        }
        finally
        {
            // The status's list of tables with triggers must not wait for the journal worker's next count.
            journal.Invalidate();
        }
    }
}

internal sealed class RemoveChangeCaptureCommandHandler(IChangeCapture capture, IWriteJournalMonitor journal)
    : IRequestHandler<RemoveChangeCaptureCommand, ChangeCaptureDto>
{
    public async ValueTask<ChangeCaptureDto> Handle(RemoveChangeCaptureCommand request, CancellationToken cancellationToken)
    {
        try
        {
            return await capture.RemoveAsync(cancellationToken);
        }
        finally
        {
            journal.Invalidate();
        }
    }
}
