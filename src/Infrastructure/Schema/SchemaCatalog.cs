using System.Data.Common;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Migration.Application.Abstractions;
using Migration.Application.Common;
using Migration.Domain;
using Migration.Domain.Tables;
using Migration.Infrastructure.Data;
using Migration.Infrastructure.Options;

namespace Migration.Infrastructure.Schema;

/// <summary>
/// Resolves <c>Migration:Tables</c> into <see cref="TableSpec"/>s from both sides' catalogs, and refuses what cannot be
/// compared with every problem named by table and column: a missing table or column, key columns that differ, a key
/// type that cannot order rows, incompatible column types, a text key whose collation differs between the sides,
/// rules on columns they do not fit, a filter a side refuses.
/// </summary>
internal sealed partial class SchemaCatalog(SideDatabases databases, IOptions<MigrationOptions> options, ILogger<SchemaCatalog> logger) : ITableCatalog
{
    private const string Everything = "*";
    private volatile TableCatalog? _current;

    public async Task<TableCatalog> GetAsync(CancellationToken cancellationToken) => _current ?? await ResolveAsync(cancellationToken);

    public async Task<TableCatalog> ResolveAsync(CancellationToken cancellationToken)
    {
        var (source, target) = (databases[Direction.Src], databases[Direction.Dst]);
        await using var src = await source.OpenAsync(cancellationToken);
        await using var dst = await target.OpenAsync(cancellationToken);
        var entries = options.Value.TableEntries;
        var explicitEntries = entries.Where(e => e.Name != Everything).ToArray();
        var names = explicitEntries.Select(e => e.Name).ToList();
        if (entries.Any(e => e.Name == Everything))
        {
            names.AddRange((await source.Dialect.ReadTableNamesAsync(src, cancellationToken))
                .Where(n => !names.Contains(n, StringComparer.OrdinalIgnoreCase)));
        }

        var problems = new List<TableShapeProblem>();
        var tables = new List<TableSpec>();
        var skipped = new List<SkippedTable>();
        foreach (var name in names)
        {
            var entry = explicitEntries.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase));
            var s = await source.Dialect.ReadTableAsync(src, name, cancellationToken);
            var d = await target.Dialect.ReadTableAsync(dst, name, cancellationToken);
            if (entry is null)
            {
                // Taken by "*": a table that cannot be compared as it is is left out, with the reason, not refused.
                var reason = s is null ? "it is not a base table of the source"
                    : s.PrimaryKey.Count == 0 ? "it has no primary key (name it in Migration:Tables with KeyColumns)"
                    : d is null ? "the target has no table of that name"
                    : null;
                if (reason is not null)
                {
                    skipped.Add(new SkippedTable(name, reason));
                    continue;
                }

                entry = new TableOptions { Name = name };
            }

            var found = new List<TableShapeProblem>();
            var spec = Resolve(entry, s, d, found);
            if (spec is not null && found.Count == 0 && spec.Where is { } where)
            {
                await CheckFilterAsync(spec, where, (Direction.Src, src, source.Dialect), found, cancellationToken);
                await CheckFilterAsync(spec, where, (Direction.Dst, dst, target.Dialect), found, cancellationToken);
            }

            if (spec is not null && found.Count == 0 && spec.Key.Any(k => k.Kind == ColumnKind.Text) && source.Provider != target.Provider)
            {
                found.Add(new(name, spec.Key.First(k => k.Kind == ColumnKind.Text).Name,
                    $"a text key needs the same engine on both sides to order rows alike; the source is {source.Provider}, the target {target.Provider}"));
            }

            problems.AddRange(found);
            if (spec is not null && found.Count == 0)
            {
                tables.Add(spec);
            }
        }

        if (problems.Count > 0)
        {
            throw new TableShapeException(problems);
        }

        var catalog = new TableCatalog(tables, skipped);
        if (_current is null)
        {
            foreach (var table in tables)
            {
                LogTable(table.Name, string.Join(", ", table.Key.Select(k => $"{k.Name} {k.DataType}")), table.Columns.Count,
                    table.Version is { } v ? $"{v.Column.Name} ({(v.Kind == VersionKind.EpochMilliseconds ? "ms since the epoch" : "date-time")})" : "none: full runs only",
                    table.Where ?? "none");
            }

            foreach (var table in skipped)
            {
                LogSkipped(table.Name, table.Reason);
            }
        }

        _current = catalog;
        return catalog;
    }

    private static TableSpec? Resolve(TableOptions entry, SideTable? s, SideTable? d, List<TableShapeProblem> problems)
    {
        var name = entry.Name;
        if (s is null || d is null)
        {
            problems.Add(new(name, null, s is null && d is null ? "the table does not exist on either side"
                : $"the table does not exist on the {(s is null ? "source" : "target")}"));
            return null;
        }

        // The legacy single table was "a BIGINT key id": a view or a table without primary key is still keyed by it.
        var keyNames = entry.KeyColumns is { Count: > 0 } configured ? configured
            : s.PrimaryKey.Count == 0 && entry.VersionColumnOptional && s.Find("id") is not null ? ["id"]
            : s.PrimaryKey;
        if (keyNames.Count == 0)
        {
            problems.Add(new(name, null, "the table has no primary key on the source; name its key columns in KeyColumns"));
            return null;
        }

        if (entry.KeyColumns is not { Count: > 0 } && s.PrimaryKey.Count > 0 && d.PrimaryKey.Count > 0
            && !s.PrimaryKey.SequenceEqual(d.PrimaryKey, StringComparer.OrdinalIgnoreCase))
        {
            problems.Add(new(name, d.PrimaryKey.Except(s.PrimaryKey, StringComparer.OrdinalIgnoreCase).Concat(s.PrimaryKey).FirstOrDefault(),
                $"the primary keys differ: source ({string.Join(", ", s.PrimaryKey)}), target ({string.Join(", ", d.PrimaryKey)})"));
            return null;
        }

        var key = new List<ColumnSpec>();
        foreach (var column in keyNames)
        {
            if (Both(name, column, s, d, problems) is not { } c)
            {
                continue;
            }

            if (c.Kind is not (ColumnKind.Integer or ColumnKind.UnsignedInteger or ColumnKind.Text or ColumnKind.Binary))
            {
                problems.Add(new(name, c.Name, $"a key column must be an integer, text or binary type; it is {c.DataType}"));
            }
            else if (c.Kind == ColumnKind.Text && s.Find(column)!.Collation != d.Find(column)!.Collation)
            {
                problems.Add(new(name, c.Name,
                    $"a text key needs the same collation on both sides to order rows alike: source {s.Find(column)!.Collation?.Name}, target {d.Find(column)!.Collation?.Name}"));
            }

            key.Add(c);
        }

        var ignored = new HashSet<string>(entry.IgnoreColumns ?? [], StringComparer.OrdinalIgnoreCase);
        var compared = (entry.Columns is { Count: > 0 } listed ? listed : s.Columns.Select(c => c.Name))
            .Where(c => !keyNames.Contains(c, StringComparer.OrdinalIgnoreCase) && !ignored.Contains(c))
            .ToList();
        if (entry.Columns is not { Count: > 0 })
        {
            foreach (var extra in d.Columns.Where(c => s.Find(c.Name) is null && !ignored.Contains(c.Name)))
            {
                problems.Add(new(name, extra.Name, "the column exists on the target only; add it to the source or to IgnoreColumns"));
            }
        }

        VersionColumn? version = null;
        if (entry.VersionColumn is { } versionName)
        {
            if (s.Find(versionName) is null && d.Find(versionName) is null && entry.VersionColumnOptional)
            {
                versionName = null;
            }
            else if (!compared.Contains(versionName, StringComparer.OrdinalIgnoreCase))
            {
                compared.Add(versionName);
            }

            if (versionName is not null && Both(name, versionName, s, d, problems) is { } v)
            {
                var kind = v.Kind is ColumnKind.Integer or ColumnKind.UnsignedInteger ? VersionKind.EpochMilliseconds
                    : v.Kind == ColumnKind.Temporal && (v.DataType.StartsWith("datetime", StringComparison.OrdinalIgnoreCase)
                        || v.DataType.StartsWith("timestamp", StringComparison.OrdinalIgnoreCase)) ? VersionKind.DateTime
                    : (VersionKind?)null;
                if (kind is null && !entry.VersionColumnOptional)
                {
                    problems.Add(new(name, v.Name, $"a version column is an integer of ms since the epoch, a DATETIME or a TIMESTAMP; it is {v.DataType}"));
                }
                else if (kind is null)
                {
                    // The legacy single table's utime that cannot be one: compared like any column; full runs only.
                }
                else
                {
                    version = new VersionColumn(v, kind.Value);
                }
            }
        }

        var columns = compared.Select(c => Both(name, c, s, d, problems)).OfType<ColumnSpec>().ToArray();
        var rules = new Dictionary<string, CompareRule>(StringComparer.OrdinalIgnoreCase);
        foreach (var (column, rule) in entry.Compare)
        {
            var target = columns.FirstOrDefault(c => string.Equals(c.Name, column, StringComparison.OrdinalIgnoreCase));
            if (target is null)
            {
                problems.Add(new(name, column, "a comparison rule names a column that is not compared"));
                continue;
            }

            var misfit = rule switch
            {
                { Tolerance: < 0 } => "Tolerance must be 0 or more",
                { Tolerance: not null } when !target.IsNumeric => $"Tolerance fits numbers; the column is {target.DataType}",
                { Precision: < 0 or > 6 } => "Precision is 0 to 6 fractional digits",
                { Precision: not null } when target.Kind != ColumnKind.Temporal => $"Precision fits dates and times; the column is {target.DataType}",
                { Json: true } when target.Kind is not (ColumnKind.Json or ColumnKind.Text) => $"Json fits JSON or text columns; the column is {target.DataType}",
                { TrimTrailing: true } when target.Kind != ColumnKind.Text => $"TrimTrailing fits text columns; the column is {target.DataType}",
                _ => null,
            };
            if (misfit is not null)
            {
                problems.Add(new(name, target.Name, misfit));
                continue;
            }

            rules[target.Name] = new CompareRule(rule.Tolerance, rule.Precision, rule.Json, rule.TrimTrailing);
        }

        return new TableSpec(s.Name, key, columns, version, string.IsNullOrWhiteSpace(entry.Where) ? null : entry.Where, rules);
    }

    /// <summary>The column as both sides have it (nullable if either side allows NULL), or null with a problem.</summary>
    private static ColumnSpec? Both(string table, string column, SideTable s, SideTable d, List<TableShapeProblem> problems)
    {
        var (a, b) = (s.Find(column), d.Find(column));
        if (a is null || b is null)
        {
            problems.Add(new(table, column, a is null && b is null ? "no such column on either side" : $"the column is missing on the {(a is null ? "source" : "target")}"));
            return null;
        }

        if (!ColumnKinds.Compatible(a.Kind, b.Kind))
        {
            problems.Add(new(table, a.Name, $"the types cannot be compared: source {a.DataType}, target {b.DataType}"));
            return null;
        }

        return a with { Nullable = a.Nullable || b.Nullable };
    }

    private static async Task CheckFilterAsync(
        TableSpec table, string where, (Direction Side, DbConnection Connection, SqlDialect Dialect) side, List<TableShapeProblem> problems,
        CancellationToken cancellationToken)
    {
        await using var command = side.Connection.CreateCommand();
        command.CommandText = $"SELECT 1 FROM {SqlDialect.Quote(table.Name)} WHERE ({where}) LIMIT 0";
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        }
        catch (DbException ex)
        {
            problems.Add(new(table.Name, null, $"the filter Where '{where}' fails on the {(side.Side == Direction.Src ? "source" : "target")}: {ex.Message}"));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Table {Table}: key ({Key}), {Columns} compared columns, version {Version}, filter {Where}")]
    private partial void LogTable(string table, string key, int columns, string version, string where);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Table {Table} is left out of Migration:Tables \"*\": {Reason}")]
    private partial void LogSkipped(string table, string reason);
}
