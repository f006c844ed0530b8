using Migration.Domain;

namespace Migration.Application.Abstractions;

/// <summary>Writes the SQL that makes the other side equal to the base for what one run found.</summary>
public interface IFixScriptWriter
{
    /// <summary>The script of the run, or null when the run is unknown. The text is produced as it is read.</summary>
    Task<FixScript?> CreateAsync(Guid runId, CancellationToken cancellationToken);
}

/// <param name="AppliesTo">The side whose database the statements are for: the run's other side.</param>
/// <param name="Text">The script, piece by piece; each base row is read again as the text is produced.</param>
public sealed record FixScript(Guid RunId, Direction AppliesTo, IAsyncEnumerable<string> Text);
