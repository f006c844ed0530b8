namespace Migration.Application.Abstractions;

/// <summary>
/// Change capture by triggers (docs/journal.md): <c>AFTER INSERT/UPDATE/DELETE</c> triggers named <c>migration_*</c> on
/// every configured table of the source, appending each written key to the source's write journal, so writes outside
/// the double-write pool are journalled too.
/// </summary>
public interface IChangeCapture
{
    /// <summary>Creates the triggers that are missing; throws <see cref="Common.ConflictException"/> naming the account when it lacks the <c>TRIGGER</c> privilege.</summary>
    Task<ChangeCaptureDto> InstallAsync(CancellationToken cancellationToken);

    /// <summary>Drops every trigger the service installed.</summary>
    Task<ChangeCaptureDto> RemoveAsync(CancellationToken cancellationToken);
}

/// <summary>What an install or remove did.</summary>
/// <param name="Tables">The configured tables whose three triggers are installed now.</param>
/// <param name="Created">Triggers created (install) or dropped (remove) by this call; empty when there was nothing to do.</param>
public sealed record ChangeCaptureDto(IReadOnlyList<string> Tables, IReadOnlyList<string> Created);
