using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Migration.Application.Abstractions;
using Migration.Domain;
using Migration.Domain.Inconsistencies;
using Migration.Domain.Runs;
using Migration.Infrastructure.Options;

namespace Migration.Infrastructure.Validation;

/// <summary>
/// Batch-compares the two sides with keyset pagination. Full runs merge both sides by id in one pass (each
/// batch is one range query per side, which finds all three kinds of difference); incremental runs walk
/// <c>(utime, id)</c> on each side and look the same ids up on the other. Every mismatch is read again after
/// <see cref="ValidationOptions.RecheckDelayMs"/> before it is published.
/// </summary>
internal sealed partial class TableValidator(
    TableReader reader,
    IInconsistencyPublisher publisher,
    IOptions<MigrationOptions> options,
    TimeProvider time,
    ILogger<TableValidator> logger) : ITableValidator
{
    private readonly ValidationOptions _options = options.Value.Validation;
    private readonly TableReader _reader = reader;
    private readonly IInconsistencyPublisher _publisher = publisher;
    private readonly TimeProvider _time = time;

    public string Table => options.Value.Table;

    public async Task RunAsync(ValidationRun run, CancellationToken cancellationToken)
    {
        var schema = await RetryAsync(run, "read the table's columns", () => _reader.RefreshSchemaAsync(cancellationToken), cancellationToken);
        var suspects = new Suspects(this, run, schema);
        if (run.Kind == RunKind.Full)
        {
            await RunFullAsync(run, schema, suspects, cancellationToken);
        }
        else
        {
            await RunIncrementalAsync(run, schema, suspects, cancellationToken);
        }
    }

    private async Task RunFullAsync(ValidationRun run, TableSchema schema, Suspects suspects, CancellationToken cancellationToken)
    {
        var baseSide = run.BaseSide;
        var batch = _options.BatchSize;
        var after = run.BaseCursor.Id;
        while (true)
        {
            var (baseRows, otherRows) = await RetryAsync(run, "read a batch by id", async () =>
            {
                var b = _reader.ReadAfterIdAsync(schema, baseSide, after, batch, cancellationToken);
                var o = _reader.ReadAfterIdAsync(schema, baseSide.Other(), after, batch, cancellationToken);
                return (await b, await o);
            }, cancellationToken);

            // Only ids up to the smaller last id of a full batch are known on both sides; the rest is read again.
            var baseFull = baseRows.Count == batch;
            var otherFull = otherRows.Count == batch;
            var upper = Math.Min(baseFull ? baseRows[^1].Id : long.MaxValue, otherFull ? otherRows[^1].Id : long.MaxValue);
            var (checkedRows, last) = Merge(schema, baseRows, otherRows, upper, suspects);
            if (checkedRows > 0)
            {
                run.AdvanceBase(new RowCursor(0, last), checkedRows);
                run.AdvanceTarget(new RowCursor(0, last), 0);
            }

            if (!baseFull && !otherFull)
            {
                break;
            }

            after = upper;
            await suspects.FlushAsync(all: false, cancellationToken);
        }

        await suspects.FlushAsync(all: true, cancellationToken);
    }

    private static (int Checked, long Last) Merge(TableSchema schema, List<Row> baseRows, List<Row> otherRows, long upper, Suspects suspects)
    {
        int i = 0, j = 0, count = 0;
        var last = long.MinValue;
        while (true)
        {
            var b = i < baseRows.Count && baseRows[i].Id <= upper ? baseRows[i] : null;
            var o = j < otherRows.Count && otherRows[j].Id <= upper ? otherRows[j] : null;
            if (b is null && o is null)
            {
                return (count, last);
            }

            count++;
            if (o is null || (b is not null && b.Id < o.Id))
            {
                suspects.Add(b!.Id, InconsistencyType.TargetMissing, null);
                last = b.Id;
                i++;
            }
            else if (b is null || o.Id < b.Id)
            {
                suspects.Add(o.Id, InconsistencyType.BaseMissing, null);
                last = o.Id;
                j++;
            }
            else
            {
                if (ValueComparer.DifferingColumns(schema, b, o) is { } columns)
                {
                    suspects.Add(b.Id, InconsistencyType.Neq, columns);
                }

                last = b.Id;
                i++;
                j++;
            }
        }
    }

    private async Task RunIncrementalAsync(ValidationRun run, TableSchema schema, Suspects suspects, CancellationToken cancellationToken)
    {
        var baseSide = run.BaseSide;
        var otherSide = baseSide.Other();
        var batch = _options.BatchSize;
        var interval = TimeSpan.FromMilliseconds(run.IntervalMs);
        while (true)
        {
            // Base → target: rows changed in the base that are missing or different in the target.
            var baseRows = await RetryAsync(run, "read base rows changed after the cursor", async () =>
            {
                var changed = await _reader.ReadChangedAfterAsync(schema, baseSide, run.BaseCursor, batch, cancellationToken);
                var others = await _reader.ReadByIdsAsync(schema, otherSide, changed.ConvertAll(r => r.Id), cancellationToken);
                foreach (var row in changed)
                {
                    if (!others.TryGetValue(row.Id, out var other))
                    {
                        suspects.Add(row.Id, InconsistencyType.TargetMissing, null);
                    }
                    else if (ValueComparer.DifferingColumns(schema, row, other) is { } columns)
                    {
                        suspects.Add(row.Id, InconsistencyType.Neq, columns);
                    }
                }

                return changed;
            }, cancellationToken);
            if (baseRows.Count > 0)
            {
                run.AdvanceBase(new RowCursor(baseRows[^1].Utime(schema), baseRows[^1].Id), baseRows.Count);
            }

            // Target → base: rows changed in the target that the base lacks, or that the target changed later
            // than the base (a row the base → target walk does not see again).
            var otherRows = await RetryAsync(run, "read target rows changed after the cursor", async () =>
            {
                var changed = await _reader.ReadChangedAfterAsync(schema, otherSide, run.TargetCursor, batch, cancellationToken);
                var bases = await _reader.ReadByIdsAsync(schema, baseSide, changed.ConvertAll(r => r.Id), cancellationToken);
                foreach (var row in changed)
                {
                    if (!bases.TryGetValue(row.Id, out var baseRow))
                    {
                        suspects.Add(row.Id, InconsistencyType.BaseMissing, null);
                    }
                    else if (row.Utime(schema) > baseRow.Utime(schema) && ValueComparer.DifferingColumns(schema, baseRow, row) is { } columns)
                    {
                        suspects.Add(row.Id, InconsistencyType.Neq, columns);
                    }
                }

                return changed;
            }, cancellationToken);
            if (otherRows.Count > 0)
            {
                run.AdvanceTarget(new RowCursor(otherRows[^1].Utime(schema), otherRows[^1].Id), otherRows.Count);
            }

            var caughtUp = baseRows.Count < batch && otherRows.Count < batch;
            await suspects.FlushAsync(all: caughtUp, cancellationToken);
            if (caughtUp)
            {
                await Task.Delay(interval, _time, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Runs one step until it succeeds, waiting longer after each failure. A step is a read or a publish that
    /// changes nothing until it has succeeded, so a retry never skips rows. Cancellation and a table that
    /// cannot be compared end the run instead.
    /// </summary>
    private async Task<T> RetryAsync<T>(ValidationRun run, string step, Func<Task<T>> action, CancellationToken cancellationToken)
    {
        var delay = _options.RetryBackoffMs;
        while (true)
        {
            try
            {
                return await action();
            }
            catch (Exception ex) when (ex is not TableShapeException && !cancellationToken.IsCancellationRequested)
            {
                run.RecordError($"Failed to {step}: {ex.Message}", _time.GetUtcNow());
                LogRetrying(ex, run.Id, run.Table, step, delay);
                await Task.Delay(TimeSpan.FromMilliseconds(delay), _time, cancellationToken);
                delay = Math.Min(delay * 2, _options.MaxRetryBackoffMs);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} on {Table} failed to {Step}; retrying in {DelayMs} ms")]
    private partial void LogRetrying(Exception exception, Guid runId, string table, string step, int delayMs);

    /// <summary>
    /// Mismatches waiting for their second look. Each is read again on both sides once its delay has passed,
    /// and published only if it still differs, classified as it is then.
    /// </summary>
    private sealed class Suspects(TableValidator validator, ValidationRun run, TableSchema schema)
    {
        private readonly List<(long Id, InconsistencyType Type, List<string>? Columns, long FoundAt)> _pending = [];
        private readonly TimeSpan _delay = TimeSpan.FromMilliseconds(validator._options.RecheckDelayMs);

        public void Add(long id, InconsistencyType type, List<string>? columns) =>
            _pending.Add((id, type, columns, validator._time.GetTimestamp()));

        /// <summary>Re-checks and publishes the suspects whose delay has passed, or all of them (waiting out the delay).</summary>
        public async Task FlushAsync(bool all, CancellationToken cancellationToken)
        {
            if (_pending.Count == 0)
            {
                return;
            }

            if (all)
            {
                var wait = _delay - validator._time.GetElapsedTime(_pending[^1].FoundAt);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, validator._time, cancellationToken);
                }
            }

            var due = all ? _pending.Count : _pending.FindIndex(s => validator._time.GetElapsedTime(s.FoundAt) < _delay) switch
            {
                -1 => _pending.Count,
                var n => n,
            };
            if (due == 0)
            {
                return;
            }

            var batch = _pending.GetRange(0, due);
            var events = await validator.RetryAsync(run, "re-check and publish mismatches", async () =>
            {
                var confirmed = _delay > TimeSpan.Zero ? await RecheckAsync(batch, cancellationToken) : batch.ConvertAll(s => (s.Id, s.Type, s.Columns));
                var now = validator._time.GetUtcNow();
                var found = confirmed.ConvertAll(c => new InconsistentEvent(
                    Guid.NewGuid(), schema.Table, c.Id, run.BaseSide, c.Type, now, (IReadOnlyList<string>?)c.Columns ?? []));
                if (found.Count > 0)
                {
                    await validator._publisher.PublishAsync(found, cancellationToken);
                }

                return found;
            }, cancellationToken);
            run.RecordInconsistencies(events);
            _pending.RemoveRange(0, due);
        }

        private async Task<List<(long Id, InconsistencyType Type, List<string>? Columns)>> RecheckAsync(
            List<(long Id, InconsistencyType Type, List<string>? Columns, long FoundAt)> batch, CancellationToken cancellationToken)
        {
            var ids = batch.Select(s => s.Id).Distinct().ToArray();
            var baseRows = validator._reader.ReadByIdsAsync(schema, run.BaseSide, ids, cancellationToken);
            var otherRows = validator._reader.ReadByIdsAsync(schema, run.BaseSide.Other(), ids, cancellationToken);
            var (bases, others) = (await baseRows, await otherRows);
            var confirmed = new List<(long, InconsistencyType, List<string>?)>();
            foreach (var id in ids)
            {
                var inBase = bases.TryGetValue(id, out var b);
                var inOther = others.TryGetValue(id, out var o);
                if (inBase && !inOther)
                {
                    confirmed.Add((id, InconsistencyType.TargetMissing, null));
                }
                else if (!inBase && inOther)
                {
                    confirmed.Add((id, InconsistencyType.BaseMissing, null));
                }
                else if (inBase && inOther && ValueComparer.DifferingColumns(schema, b!, o!) is { } columns)
                {
                    confirmed.Add((id, InconsistencyType.Neq, columns));
                }
            }

            return confirmed;
        }
    }
}
