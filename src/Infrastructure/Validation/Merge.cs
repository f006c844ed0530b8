using Migration.Domain.Tables;

namespace Migration.Infrastructure.Validation;

/// <summary>Walks two key-ordered sequences together.</summary>
internal static class Merge
{
    /// <summary>
    /// A key on one side only, or on both but <paramref name="differ"/>, becomes a suspect. Returns how many distinct keys
    /// it saw and the last one (null when none).
    /// </summary>
    public static (int Checked, RowKey? Last) Suspects<T>(
        IEnumerable<T> baseRows, IEnumerable<T> otherRows, Func<T, RowKey> key, Func<T, T, bool> differ, Action<RowKey> suspect)
    {
        using var b = baseRows.GetEnumerator();
        using var o = otherRows.GetEnumerator();
        var (hasB, hasO) = (b.MoveNext(), o.MoveNext());
        var count = 0;
        RowKey? last = null;
        while (hasB || hasO)
        {
            count++;
            var order = !hasB ? 1 : !hasO ? -1 : key(b.Current).CompareTo(key(o.Current));
            if (order < 0)
            {
                last = key(b.Current);
                suspect(last);
                hasB = b.MoveNext();
            }
            else if (order > 0)
            {
                last = key(o.Current);
                suspect(last);
                hasO = o.MoveNext();
            }
            else
            {
                last = key(b.Current);
                if (differ(b.Current, o.Current))
                {
                    suspect(last);
                }

                (hasB, hasO) = (b.MoveNext(), o.MoveNext());
            }
        }

        return (count, last);
    }

    /// <summary>
    /// <see cref="Suspects{T}"/> over two streams read side by side (both queries start at once), ordered by
    /// <paramref name="order"/>; <paramref name="key"/> is called for the suspects only. The suspects are returned, not
    /// queued: a step that fails halfway and is retried queues nothing twice.
    /// </summary>
    public static async Task<(int Checked, List<RowKey> Suspects)> SuspectsAsync<T>(
        IAsyncEnumerable<T> baseRows, IAsyncEnumerable<T> otherRows, Comparison<T> order, Func<T, RowKey> key, Func<T, T, bool> differ,
        CancellationToken cancellationToken)
    {
        await using var b = baseRows.GetAsyncEnumerator(cancellationToken);
        await using var o = otherRows.GetAsyncEnumerator(cancellationToken);
        // Both first moves run to the end, even when one fails, so that neither enumerator is disposed mid-move.
        var (firstB, firstO) = (b.MoveNextAsync().AsTask(), o.MoveNextAsync().AsTask());
        await Task.WhenAll(firstB, firstO);
        var (hasB, hasO) = (firstB.Result, firstO.Result);
        var count = 0;
        var suspects = new List<RowKey>();
        while (hasB || hasO)
        {
            count++;
            var compared = !hasB ? 1 : !hasO ? -1 : order(b.Current, o.Current);
            if (compared < 0)
            {
                suspects.Add(key(b.Current));
                hasB = await b.MoveNextAsync();
            }
            else if (compared > 0)
            {
                suspects.Add(key(o.Current));
                hasO = await o.MoveNextAsync();
            }
            else
            {
                if (differ(b.Current, o.Current))
                {
                    suspects.Add(key(b.Current));
                }

                (hasB, hasO) = (await b.MoveNextAsync(), await o.MoveNextAsync());
            }
        }

        return (count, suspects);
    }
}
