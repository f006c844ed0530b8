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
        IEnumerable<T> baseRows, IEnumerable<T> otherRows, Func<T, RowKey> key, Func<T, T, bool> differ, SuspectQueue suspects)
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
                suspects.Add(last);
                hasB = b.MoveNext();
            }
            else if (order > 0)
            {
                last = key(o.Current);
                suspects.Add(last);
                hasO = o.MoveNext();
            }
            else
            {
                last = key(b.Current);
                if (differ(b.Current, o.Current))
                {
                    suspects.Add(last);
                }

                (hasB, hasO) = (b.MoveNext(), o.MoveNext());
            }
        }

        return (count, last);
    }
}
