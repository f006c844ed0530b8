using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using MySqlConnector;

namespace Migration.Bench;

/// <summary>What pt-table-sync reported for one table.</summary>
/// <param name="Algorithm">The algorithm it chose (Chunk, Nibble, GroupBy, Stream), from its <c>--verbose</c> summary.</param>
/// <param name="ExitCode">0: in sync, 2: differences found, anything else: an error.</param>
/// <param name="Keys">The keys of the statements it printed: INSERT (missing on the target), UPDATE (changed), DELETE (extra on the target).</param>
/// <param name="Statements">Statements printed, including any whose key could not be read.</param>
internal sealed record PtTableResult(
    string Table, double Seconds, string Algorithm, int ExitCode, PlantedKeys Keys, HashSet<string> Replaced, int Statements, int Unreadable, string Errors);

/// <summary>
/// Runs Percona's pt-table-sync with <c>--print --verbose</c> from the source database to the target database, one
/// table after another (two databases of one server cannot be given as one host pair), and reads the keys of the
/// statements it prints. <c>--print</c> compares every row, exactly as <c>--execute</c> would, and prints the fix
/// instead of applying it; <c>--dry-run</c> would only choose the algorithm and stop.
/// </summary>
internal static partial class PtTableSync
{
    public static async Task<PtTableResult> RunAsync(string server, SchemaTable table)
    {
        var cs = new MySqlConnectionStringBuilder(server);
        var dsn = $"h={cs.Server},P={cs.Port},u={cs.UserID}{(string.IsNullOrEmpty(cs.Password) ? "" : $",p={cs.Password}")}";
        var info = new ProcessStartInfo("pt-table-sync")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // Binary values may be printed raw: read bytes as bytes, and decode text literals as UTF-8 afterwards.
            StandardOutputEncoding = Encoding.Latin1,
        };
        foreach (var argument in new[] { "--print", "--verbose", $"{dsn},D={BenchDatabase.SourceDatabase},t={table.Name}", $"D={BenchDatabase.TargetDatabase}" })
        {
            info.ArgumentList.Add(argument);
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException("pt-table-sync did not start.");
        var errors = process.StandardError.ReadToEndAsync();
        var keys = new PlantedKeys([], [], []);
        var replaced = new HashSet<string>();
        var (algorithm, statements, unreadable) = ("?", 0, 0);
        var statement = new StringBuilder();
        var other = new StringBuilder();
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (statement.Length == 0 && line.StartsWith('#'))
            {
                if (Summary().Match(line) is { Success: true } m)
                {
                    algorithm = m.Groups["algorithm"].Value;
                }

                continue;
            }

            statement.Append(line);
            if (!line.EndsWith("*/;", StringComparison.Ordinal))
            {
                statement.Append('\n');
                continue;
            }

            statements++;
            var text = statement.ToString();
            statement.Clear();
            var parsed = Parse(text);
            if (parsed is null || !table.Key.All(k => parsed.Value.Values.ContainsKey(k.Column)))
            {
                unreadable++;
                if (other.Length < 2_000)
                {
                    other.AppendLine(text.Length > 300 ? text[..300] + "…" : text);
                }

                continue;
            }

            var key = SchemaDatabase.KeyText(table, table.Key.Select(k => parsed.Value.Values[k.Column]).ToArray());
            (parsed.Value.Verb switch
            {
                "INSERT" => keys.TargetMissing,
                "UPDATE" => keys.Neq,
                "DELETE" => keys.BaseMissing,
                _ => replaced,
            }).Add(key);
        }

        await process.WaitForExitAsync();
        var seconds = clock.Elapsed.TotalSeconds;
        return new PtTableResult(table.Name, seconds, algorithm, process.ExitCode, keys, replaced, statements, unreadable, (await errors).Trim() + other);
    }

    /// <summary>
    /// The verb and the key-bearing values of one printed statement: the WHERE equalities of DELETE and UPDATE, the
    /// column list and values of INSERT and REPLACE. Null when it has neither shape.
    /// </summary>
    public static (string Verb, Dictionary<string, object?> Values)? Parse(string statement)
    {
        var verb = statement.Split(' ', 2)[0];
        var values = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        var reader = new SqlText(statement);
        if (verb is "DELETE" or "UPDATE")
        {
            if (!reader.SkipTo(" WHERE "))
            {
                return null;
            }

            do
            {
                var column = reader.Identifier();
                if (column is null)
                {
                    return null;
                }

                if (reader.Skip(" IS NULL"))
                {
                    values[column] = null;
                }
                else if (reader.Skip("="))
                {
                    values[column] = reader.Literal();
                }
                else
                {
                    return null;
                }
            }
            while (reader.Skip(" AND "));
            return (verb, values);
        }

        if (verb is "INSERT" or "REPLACE")
        {
            if (!reader.SkipTo("`(") && !reader.SkipTo("` ("))
            {
                return null;
            }

            var columns = new List<string>();
            while (reader.Identifier() is { } column)
            {
                columns.Add(column);
                reader.Skip(", ");
            }

            if (!reader.SkipTo("VALUES ("))
            {
                return null;
            }

            foreach (var column in columns)
            {
                values[column] = reader.Literal();
                reader.Skip(", ");
            }

            return (verb, values);
        }

        return null;
    }

    // "#      1       0      2      1 Chunk     11:42:17 11:42:17 2    s.c"
    [GeneratedRegex(@"^#\s+\d+\s+\d+\s+\d+\s+\d+\s+(?<algorithm>\S+)\s+\S+\s+\S+\s+\d+\s+\S+$")]
    private static partial Regex Summary();

    /// <summary>A cursor over one statement, reading the identifiers and literals pt-table-sync writes.</summary>
    private sealed class SqlText(string text)
    {
        private int _at;

        public bool SkipTo(string marker)
        {
            var i = text.IndexOf(marker, _at, StringComparison.Ordinal);
            if (i < 0)
            {
                return false;
            }

            _at = i + marker.Length;
            return true;
        }

        public bool Skip(string token)
        {
            if (string.CompareOrdinal(text, _at, token, 0, token.Length) != 0)
            {
                return false;
            }

            _at += token.Length;
            return true;
        }

        public string? Identifier()
        {
            if (_at >= text.Length || text[_at] != '`')
            {
                return null;
            }

            var end = text.IndexOf('`', _at + 1);
            var name = text[(_at + 1)..end];
            _at = end + 1;
            return name;
        }

        /// <summary>A quoted string (MySQL escapes) as its bytes, 0x hex (returned as written), NULL or a bare number.</summary>
        public object? Literal()
        {
            if (Skip("NULL"))
            {
                return null;
            }

            if (_at < text.Length && text[_at] == '\'')
            {
                var bytes = new List<byte>();
                for (_at++; _at < text.Length; _at++)
                {
                    var c = text[_at];
                    if (c == '\\' && _at + 1 < text.Length)
                    {
                        var e = text[++_at];
                        bytes.Add((byte)(e switch { '0' => '\0', 'n' => '\n', 'r' => '\r', 'Z' => '\x1a', _ => e }));
                    }
                    else if (c == '\'' && _at + 1 < text.Length && text[_at + 1] == '\'')
                    {
                        bytes.Add((byte)'\'');
                        _at++;
                    }
                    else if (c == '\'')
                    {
                        _at++;
                        break;
                    }
                    else
                    {
                        bytes.Add((byte)c);
                    }
                }

                // Latin-1 kept each byte: the literal's bytes, UTF-8 text or a binary column's raw value.
                return bytes.ToArray();
            }

            var start = _at;
            while (_at < text.Length && text[_at] is not (',' or ')' or ' '))
            {
                _at++;
            }

            return text[start.._at];
        }
    }

    /// <summary>pt-table-sync's version line, or null when it is not installed.</summary>
    public static async Task<string?> VersionAsync()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("pt-table-sync", "--version") { RedirectStandardOutput = true, UseShellExecute = false });
            if (process is null)
            {
                return null;
            }

            var version = (await process.StandardOutput.ReadToEndAsync()).Trim();
            await process.WaitForExitAsync();
            return process.ExitCode == 0 ? version : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
