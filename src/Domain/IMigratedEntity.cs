namespace Migration.Domain;

/// <summary>
/// A row of a table under migration: a 64-bit primary key and an update time that every write sets. The
/// double-write pool copies <see cref="Id"/> from the primary side to the secondary and sets <see cref="Utime"/> once
/// per write, so both sides hold the same values.
/// </summary>
public interface IMigratedEntity
{
    /// <summary>The primary key. 0 on an entity not inserted yet: the primary side assigns it.</summary>
    long Id { get; set; }

    /// <summary>Last update time, ms since the epoch; set by the pool on every write.</summary>
    long Utime { get; set; }
}
