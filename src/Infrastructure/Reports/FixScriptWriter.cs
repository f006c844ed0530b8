using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Migration.Application.Abstractions;
using Migration.Domain;
using Migration.Domain.Runs;
using Migration.Domain.Tables;
using Migration.Infrastructure.Data;
using Migration.Infrastructure.State;
using Migration.Infrastructure.Validation;

namespace Migration.Infrastructure.Reports;

/// <summary>
/// A run's fix SQL: for every row the run found different (each key once), the base row is read again now and written
/// as an upsert for the other side, or, when the base no longer has it, as a delete there. The stored differences
/// alone would not do: they hold the differing columns only, cut and possibly redacted. Written in the other side's
/// engine's syntax (<see cref="FixSql"/>), table by table, a batch of rows at a time.
/// </summary>
internal sealed class FixScriptWriter(
    IRunHistory history, ControlDatabase control, ITableCatalog catalog, RowReader reader, SideDatabases databases, TimeProvider time)
    : IFixScriptWriter
{
    private const int Batch = 500;

    public async Task<FixScript?> CreateAsync(Guid runId, CancellationToken cancellationToken)
    {
        var run = await history.GetAsync(runId, cancellationToken);
        return run is null ? null : new FixScript(runId, run.BaseSide.Other(), WriteAsync(run, CancellationToken.None));
    }

    private async IAsyncEnumerable<string> WriteAsync(RunCheckpoint run, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (baseSide, otherSide) = (run.BaseSide, run.BaseSide.Other());
        var sql = FixSql.For(databases[otherSide].Provider);
        var now = time.GetUtcNow();
        yield return Header(run, otherSide, now, sql);

        var specs = await catalog.GetAsync(cancellationToken);
        var (upserts, deletes) = (0L, 0L);
        foreach (var name in await TablesAsync(run.RunId, cancellationToken))
        {
            if (specs.Find(name) is not { } table)
            {
                yield return $"\n-- {name}: no longer a migrated table (Migration:Tables); its differences are left out.\n";
                continue;
            }

            yield return $"\n-- {table.Name}\n";
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var after = 0L;
            while (true)
            {
                var (keys, last, unreadable) = await NextKeysAsync(run.RunId, table, after, seen, cancellationToken);
                if (last == after)
                {
                    break;
                }

                after = last;
                var text = new StringBuilder();
                foreach (var key in unreadable)
                {
                    text.Append("-- left out: ").Append(key.Replace('\n', ' ')).Append(" is not a key of ").Append(table.Name).Append('\n');
                }

                var rows = await reader.ReadByKeysAsync(table, baseSide, keys, cancellationToken);
                var byText = rows.Values.ToDictionary(r => r.Key.ToText(), CaseInsensitive(table) ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
                foreach (var key in keys)
                {
                    if (byText.TryGetValue(key.ToText(), out var row))
                    {
                        text.Append(sql.Upsert(table, [.. row.Key.Values, .. row.Values])).Append('\n');
                        upserts++;
                    }
                    else
                    {
                        text.Append(sql.Delete(table, key.Values)).Append('\n');
                        deletes++;
                    }
                }

                yield return text.ToString();
            }
        }

        yield return string.Create(CultureInfo.InvariantCulture,
            $"\n-- End of the fix SQL of run {run.RunId}: {upserts} row(s) written, {deletes} row(s) deleted.\n");
    }

    private static string Header(RunCheckpoint run, Direction otherSide, DateTimeOffset now, FixSql sql)
    {
        var (baseName, otherName) = (Name(run.BaseSide), Name(otherSide));
        var header = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"-- Fix SQL of the {Kind(run.Kind)} validation run {run.RunId} (started {run.StartedAt:O}, {run.Status.ToString().ToLowerInvariant()}).\n")
            .Append(CultureInfo.InvariantCulture, $"-- Apply it to the {otherName} ({otherSide.ToWire()}) database: it makes the rows that run found different there equal to the\n")
            .Append(CultureInfo.InvariantCulture, $"-- {baseName} ({run.BaseSide.ToWire()}), the run's base side.\n")
            .Append(CultureInfo.InvariantCulture, $"-- Each row was read again from the {baseName} when this file was made ({now:O}), not taken from the run:\n")
            .Append("-- a row changed since the run is written as it is now, and a row since deleted from the base is deleted.\n")
            .Append("-- Only the compared columns are written (a column the configuration leaves out keeps its value, or its default\n")
            .Append("-- in an inserted row). There is no version guard: a row written on the other side after this file was made is\n")
            .Append("-- overwritten. Each statement stands alone and applying the file twice is harmless.\n");
        foreach (var line in sql.Preamble)
        {
            header.Append(line).Append('\n');
        }

        return header.ToString();
    }

    /// <summary>The tables with differences of the run, in name order.</summary>
    private async Task<List<string>> TablesAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using var context = control.CreateContext();
        var tables = await context.Set<DifferenceRecord>().AsNoTracking()
            .Where(d => d.RunId == runId)
            .Select(d => d.Table)
            .Distinct()
            .ToListAsync(cancellationToken);
        tables.Sort(StringComparer.Ordinal);
        return tables;
    }

    /// <summary>The next batch of the run's differences in the table after <paramref name="after"/>: each key not seen yet, and the last id read.</summary>
    private async Task<(List<RowKey> Keys, long Last, List<string> Unreadable)> NextKeysAsync(
        Guid runId, TableSpec table, long after, HashSet<string> seen, CancellationToken cancellationToken)
    {
        await using var context = control.CreateContext();
        var page = await context.Set<DifferenceRecord>().AsNoTracking()
            .Where(d => d.RunId == runId && d.Table == table.Name && d.Id > after)
            .OrderBy(d => d.Id)
            .Take(Batch)
            .Select(d => new { d.Id, d.Key })
            .ToListAsync(cancellationToken);
        var keys = new List<RowKey>();
        var unreadable = new List<string>();
        foreach (var difference in page.Where(d => seen.Add(d.Key)))
        {
            try
            {
                keys.Add(RowKey.Parse(table, difference.Key));
            }
            catch (Exception ex) when (ex is FormatException or InvalidOperationException or OverflowException)
            {
                unreadable.Add(difference.Key);
            }
        }

        return (keys, page.Count == 0 ? after : page[^1].Id, unreadable);
    }

    private static bool CaseInsensitive(TableSpec table) => table.Key.Any(k => k.Collation?.CaseInsensitive == true);

    private static string Name(Direction side) => side == Direction.Src ? "source" : "target";

    private static string Kind(RunKind kind) => kind == RunKind.Full ? "full" : "incremental";
}
