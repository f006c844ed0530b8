namespace Migration.Domain;

/// <summary>
/// The optional version contract of an entity written through the double-write pool. The pool sets
/// <see cref="Utime"/> once per write (strictly increasing per row) and copies it to the secondary with the rest of the
/// row, so both sides hold the same version. It is what makes an update optimistic (refused when the row changed since
/// it was read), lets the copy to the secondary keep a newer row, and lets an insert whose key is already taken on the
/// secondary tell this row (copied there first by the repair) from another one. An entity without it is written
/// without those checks; see docs/double-write-pool.md.
/// </summary>
public interface IVersioned
{
    /// <summary>Last update time, ms since the epoch; set by the pool on every write.</summary>
    long Utime { get; set; }
}
