using Migration.Domain.Tables;

namespace Migration.Application.Abstractions;

/// <summary>The migrated tables, resolved from configuration against both sides' schemas.</summary>
public interface ITableCatalog
{
    /// <summary>
    /// Reads both sides' schemas now and resolves every configured table. Throws
    /// <see cref="Common.TableShapeException"/> listing every table and column that cannot be compared.
    /// </summary>
    Task<TableCatalog> ResolveAsync(CancellationToken cancellationToken);

    /// <summary>The last catalog resolved, resolving it first when there is none yet.</summary>
    Task<TableCatalog> GetAsync(CancellationToken cancellationToken);
}

/// <summary>The resolved tables, and the ones <c>*</c> left out with the reason.</summary>
public sealed record TableCatalog(IReadOnlyList<TableSpec> Tables, IReadOnlyList<SkippedTable> Skipped)
{
    public TableSpec? Find(string name) => Tables.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase));
}

/// <summary>A table of the source that <c>*</c> did not take, and why (no primary key, no counterpart on the target…).</summary>
public sealed record SkippedTable(string Name, string Reason);
