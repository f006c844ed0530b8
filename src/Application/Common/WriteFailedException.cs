using Migration.Domain;

namespace Migration.Application.Common;

/// <summary>
/// A write through the double-write pool failed on a database (HTTP 503). Either the primary side failed and nothing
/// was written anywhere, or — in strict mode only — the primary committed and the copy to the secondary failed; the
/// rows were then reported for repair.
/// </summary>
/// <param name="side">The side that failed.</param>
/// <param name="primaryCommitted">True when the failure was on the secondary, after the primary had committed.</param>
/// <param name="rows">
/// The keys of the rows involved, as <c>table:key</c> with the key as events carry it (<c>users:42</c>,
/// <c>order_lines:{"order_id":7,"line_no":1}</c>); <c>table:new</c> for an insert whose key the primary had not generated yet.
/// </param>
public sealed class WriteFailedException(string message, Direction side, bool primaryCommitted, IReadOnlyList<string> rows, Exception innerException)
    : Exception(message, innerException)
{
    public Direction Side { get; } = side;

    public bool PrimaryCommitted { get; } = primaryCommitted;

    public IReadOnlyList<string> Rows { get; } = rows;
}
