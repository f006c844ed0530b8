using System.Text.Json;
using Migration.Application.Abstractions;
using Migration.Domain;
using Migration.Domain.Inconsistencies;

namespace Migration.Application.Inconsistencies;

/// <summary>One stored difference.</summary>
/// <param name="Id">Ascending in the order differences were stored; the paging cursor.</param>
/// <param name="RunId">The run that found it; null for a failed double write.</param>
/// <param name="Key">The row's key as a JSON object by column (binary values as <c>"0x…"</c>).</param>
/// <param name="KeyText">The key as text: its value for a single-column key, else the JSON object; what <c>keys</c> of a repair request take.</param>
/// <param name="Type"><c>target_missing</c>, <c>neq</c> or <c>base_missing</c>.</param>
/// <param name="BaseSide">The side that was the truth when it was found: <c>SRC</c> or <c>DST</c>.</param>
/// <param name="Columns">The differing columns with both sides' values (every column for a missing row; null for SQL NULL).</param>
/// <param name="Outcome"><c>pending</c>, <c>repaired</c>, <c>conflict</c>, <c>dead-letter</c> or <c>gone</c>.</param>
/// <param name="OutcomeAt">When the outcome was reported; null while pending since it was found.</param>
public sealed record InconsistencyDto(
    long Id,
    Guid? RunId,
    Guid EventId,
    string Table,
    JsonElement Key,
    string KeyText,
    string Type,
    string BaseSide,
    IReadOnlyList<ColumnValuesDto> Columns,
    DateTimeOffset DetectedAt,
    string Outcome,
    DateTimeOffset? OutcomeAt)
{
    public static InconsistencyDto From(StoredDifference d) => new(
        d.Id, d.RunId, d.EventId, d.Table, d.KeyColumns, d.Key, d.Type.ToWire(), d.BaseSide.ToWire(),
        d.Columns.Select(c => new ColumnValuesDto(c.Column, c.Base, c.Other)).ToArray(), d.DetectedAt, d.Outcome.ToWire(), d.OutcomeAt);
}

/// <summary>A column's value on the base and on the other side, as text: cut to 256 characters with the length, or <c>sha256:…</c> when redacted.</summary>
public sealed record ColumnValuesDto(string Name, string? Base, string? Other);
