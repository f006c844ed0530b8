using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Mvc;
using Migration.Application.Inconsistencies;
using Migration.Application.Inconsistencies.ListInconsistencies;

namespace Migration.WebApi.Infrastructure;

/// <summary>
/// A page of stored differences as CSV (RFC 4180, UTF-8): a line per differing column, or one line with empty
/// <c>column</c>, <c>base</c> and <c>other</c> for a difference without columns. The next page's cursor is in the
/// <c>X-Next-After</c> header (absent on the last page). A text cell that a spreadsheet would run as a formula gets a
/// leading apostrophe.
/// </summary>
internal static class InconsistencyCsv
{
    public const string NextAfterHeader = "X-Next-After";

    private static readonly string[] _header = ["id", "runId", "table", "key", "type", "baseSide", "detectedAt", "outcome", "outcomeAt", "column", "base", "other"];

    public static IActionResult Result(InconsistencyPageDto page, HttpResponse response)
    {
        if (page.NextAfter is { } next)
        {
            response.Headers[NextAfterHeader] = next.ToString(CultureInfo.InvariantCulture);
        }

        return new ContentResult { Content = Write(page.Items), ContentType = "text/csv; charset=utf-8", StatusCode = StatusCodes.Status200OK };
    }

    public static string Write(IEnumerable<InconsistencyDto> items)
    {
        var csv = new StringBuilder();
        Line(csv, _header);
        foreach (var item in items)
        {
            string?[] common =
            [
                item.Id.ToString(CultureInfo.InvariantCulture), item.RunId?.ToString(), item.Table, item.KeyText, item.Type, item.BaseSide,
                item.DetectedAt.ToString("O", CultureInfo.InvariantCulture), item.Outcome, item.OutcomeAt?.ToString("O", CultureInfo.InvariantCulture),
            ];
            if (item.Columns.Count == 0)
            {
                Line(csv, [.. common, null, null, null]);
            }

            foreach (var column in item.Columns)
            {
                Line(csv, [.. common, column.Name, column.Base, column.Other]);
            }
        }

        return csv.ToString();
    }

    private static void Line(StringBuilder csv, IReadOnlyList<string?> cells)
    {
        for (var i = 0; i < cells.Count; i++)
        {
            csv.Append(i == 0 ? "" : ",").Append(Cell(cells[i]));
        }

        csv.Append("\r\n");
    }

    private static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        // Spreadsheets run a cell starting with = + - @ as a formula; a number stays a number.
        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' && !decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
    }
}
