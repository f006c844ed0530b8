namespace Migration.Infrastructure.Validation;

/// <summary>One way of comparing a table: by rows, by chunk checksums, or by its version column.</summary>
internal interface IValidationStrategy
{
    /// <summary>
    /// Walks the table as the run asks, recording progress on the context's table. A full run returns when every row has
    /// been checked (and its suspects published); an incremental run polls until cancelled.
    /// </summary>
    Task RunAsync(TableContext context, CancellationToken cancellationToken);
}
