namespace Migration.Infrastructure.Journal;

/// <summary>One entry of a side's write journal: a row of <paramref name="Table"/> written under <paramref name="Key"/> (<see cref="JournalKey"/>).</summary>
/// <param name="Op"><c>I</c>, <c>U</c> or <c>D</c>.</param>
internal sealed record JournalEntry(long Seq, string Table, string Key, string Op, long AtMs);

/// <summary>Who wrote an entry.</summary>
internal static class JournalOrigin
{
    /// <summary>The double-write pool, in the primary write's transaction.</summary>
    public const string Pool = "pool";

    /// <summary>A change-capture trigger on the source, for a write outside the pool.</summary>
    public const string Trigger = "trigger";
}
