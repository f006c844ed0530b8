namespace Migration.Infrastructure.State;

/// <summary>
/// A row of <c>migration_differences</c>: one difference found, stored with the event that reports it (in the same
/// transaction as its outbox row), and its outcome once the repair reported one. Times are ms since the epoch.
/// </summary>
internal sealed class DifferenceRecord
{
    /// <summary>The longest key text stored; a longer one is cut (it then names no row the fix SQL or a repair can find).</summary>
    public const int KeyLength = 2_000;

    public long Id { get; set; }

    /// <summary>Null for a failed double write's report.</summary>
    public Guid? RunId { get; set; }

    public Guid EventId { get; set; }

    public string Table { get; set; } = "";

    /// <summary>The key's text (<see cref="Domain.Tables.RowKey.ToText"/>).</summary>
    public string Key { get; set; } = "";

    /// <summary>The key as a JSON object by column.</summary>
    public string KeyColumns { get; set; } = "{}";

    public string Type { get; set; } = "";

    public string BaseSide { get; set; } = "";

    /// <summary>The differing columns with both values, as JSON: <c>[{"name":…,"base":…,"other":…}]</c>.</summary>
    public string Columns { get; set; } = "[]";

    public long DetectedAtMs { get; set; }

    public string Outcome { get; set; } = "";

    /// <summary>
    /// When the outcome was reported; <see cref="NoOutcomeYet"/> while pending. Stored as a number either way, so the
    /// repair's update of the outcome keeps the row's size and InnoDB changes it in place (NULL → a time grew every row:
    /// about 1.7× the cost per outcome). Older databases hold NULL for pending rows too.
    /// </summary>
    public long? OutcomeAtMs { get; set; } = NoOutcomeYet;

    /// <summary>The <see cref="OutcomeAtMs"/> of a difference whose outcome is still pending.</summary>
    public const long NoOutcomeYet = 0;
}
