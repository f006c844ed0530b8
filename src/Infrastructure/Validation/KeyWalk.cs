using Migration.Domain.Runs;
using Migration.Domain.Tables;

namespace Migration.Infrastructure.Validation;

/// <summary>
/// One walk over a table's whole key range by <see cref="ChecksumStrategy"/> or <see cref="RowScanStrategy"/>: where it
/// starts, how big its chunks are, and where it reports what it compared. A full run walks once from its base cursor;
/// an incremental run's <see cref="SweepStrategy"/> walks again and again.
/// </summary>
internal interface IKeyWalk
{
    /// <summary>The key the walk starts after; null to start from the first.</summary>
    RowKey? After { get; }

    /// <summary>Rows on the larger side as estimated (0 when unknown), for the chunks of an integer key.</summary>
    long EstimatedRows { get; }

    /// <summary>Rows per chunk of the checksum pass.</summary>
    int ChunkRows { get; }

    /// <summary>Rows compared, counted at once, whatever order the walk's parts finish in.</summary>
    void Counted(int rows);

    /// <summary>Every key up to <paramref name="through"/> has been compared (reported in key order).</summary>
    void Reached(RowKey through);

    /// <summary>A key that differed: it joins the table's suspects.</summary>
    void Suspect(RowKey key);
}

/// <summary>A full run's walk: from the table's base cursor, moving it, and the point its suspects' safe cursor may reach.</summary>
internal sealed class FullRunWalk(TableContext context) : IKeyWalk
{
    public RowKey? After { get; } = context.Progress.BaseCursor.Key is { } key ? RowKey.Parse(context.Table, key) : null;

    public long EstimatedRows => context.Progress.EstimatedRows;

    public int ChunkRows => context.Options.ChunkRows;

    public void Counted(int rows) => context.Progress.Checked(rows);

    public void Suspect(RowKey key) => context.Suspects.Add(key);

    public void Reached(RowKey through)
    {
        var cursor = new TableCursor(null, through.ToText());
        context.Progress.AdvanceBase(cursor, 0);
        context.Suspects.Progressed(cursor, through);
    }
}
