using Migration.Domain.Runs;

namespace Migration.Application.Abstractions;

/// <summary>Keeps the latest checkpoint of each run kind where every instance and a restarted process find it.</summary>
public interface IRunCheckpointStore
{
    /// <summary>Replaces the checkpoint of the checkpoint's run kind.</summary>
    Task SaveAsync(RunCheckpoint checkpoint, CancellationToken cancellationToken);

    /// <summary>The latest checkpoint of each kind that has one.</summary>
    Task<IReadOnlyList<RunCheckpoint>> LoadAsync(CancellationToken cancellationToken);
}
