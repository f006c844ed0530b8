using Mediator;
using Migration.Domain.Patterns;

namespace Migration.Application.Patterns.PatternApplied;

/// <summary>
/// This instance's refresher picked up a pattern switched by another instance and applies it now. (The instance that
/// handles a switch rebases its own runs in the switch itself, and says so in its response.)
/// </summary>
public sealed record PatternAppliedNotification(WritePattern Previous, WritePattern Current, long Version) : INotification;

internal sealed class PatternAppliedNotificationHandler(RunRebaser rebaser) : INotificationHandler<PatternAppliedNotification>
{
    public async ValueTask Handle(PatternAppliedNotification notification, CancellationToken cancellationToken) =>
        await rebaser.RebaseAsync(notification.Current.Primary(), cancellationToken);
}
