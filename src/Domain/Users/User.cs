namespace Migration.Domain.Users;

/// <summary>The demo table that the embedded default migrates: a row of <c>users</c>.</summary>
public sealed class User : IVersioned
{
    public long Id { get; set; }

    public string Name { get; set; } = "";

    public string Email { get; set; } = "";

    public int Age { get; set; }

    public decimal Balance { get; set; }

    /// <summary>Creation time, ms since the epoch.</summary>
    public long Ctime { get; set; }

    /// <summary>Last update time, ms since the epoch; every write sets it.</summary>
    public long Utime { get; set; }
}
