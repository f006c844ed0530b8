using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Migration.Application.Abstractions;
using Migration.Domain;
using Migration.Domain.Inconsistencies;
using Migration.Domain.Runs;
using Migration.Domain.Tables;
using Migration.Infrastructure.Validation;
using Migration.WebApi.IntegrationTests.Infrastructure;
using Polly;

namespace Migration.WebApi.IntegrationTests;

/// <summary>
/// The suspects queue shared by an incremental run's walks (the version walk and the journal reader), over the demo
/// table on SQLite: one walk's re-check never holds the other up, and nothing handed over is lost on the way.
/// </summary>
public sealed class SuspectQueueTests
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task PartialFlush_WhileAnotherFlushPublishes_ReturnsAtOnceAndItsKeyIsPublishedByTheNextFlush()
    {
        await using var api = new MigrationApi(new SqliteTestDatabases(), seedRows: 10);
        _ = api.Services; // starts the host: the demo table and its rows exist on both sides from here
        await api.Databases.ExecuteAsync(Direction.Dst, "DELETE FROM users WHERE id IN (1, 2)");
        var table = (await api.Services.GetRequiredService<ITableCatalog>().ResolveAsync(_ct)).Find("users")!;
        var publisher = new GatedPublisher();
        var run = new ValidationRun(Guid.NewGuid(), RunKind.Incremental, Direction.Src, 0, 50, TimeProvider.System.GetUtcNow());
        var progress = new TableRun(table.Name);
        var queue = new SuspectQueue(run, progress, table, api.Services.GetRequiredService<RowReader>(), publisher, TimeSpan.FromMilliseconds(20), TimeProvider.System);
        queue.Steps = new StepRunner(ResiliencePipeline.Empty, run, progress, null, TimeProvider.System, NullLogger.Instance);

        // One walk flushes everything it handed over; its publish is held.
        queue.Add(RowKey.Parse(table, "1"));
        var first = queue.FlushAsync(all: true, _ct);
        await publisher.Entered.Task.WaitAsync(TimeSpan.FromSeconds(20), _ct);

        // The other walk hands a key over and flushes what is due: it must not wait for the held publish.
        queue.Add(RowKey.Parse(table, "2"));
        var second = queue.FlushAsync(all: false, _ct);
        await second.WaitAsync(TimeSpan.FromSeconds(20), _ct);
        Assert.False(first.IsCompleted);
        Assert.Equal(["1"], publisher.Published.Select(e => e.Key.ToText()));

        publisher.Release.SetResult();
        await first.WaitAsync(TimeSpan.FromSeconds(20), _ct);
        await queue.FlushAsync(all: true, _ct);

        Assert.Equal(["1", "2"], publisher.Published.Select(e => e.Key.ToText()));
        Assert.All(publisher.Published, e => Assert.Equal(InconsistencyType.TargetMissing, e.Type));
    }

    /// <summary>Records what it is handed; the first call waits until <see cref="Release"/> is set.</summary>
    private sealed class GatedPublisher : IInconsistencyPublisher
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<InconsistentEvent> Published { get; } = [];

        public async ValueTask PublishAsync(IReadOnlyList<InconsistentEvent> events, CancellationToken cancellationToken)
        {
            lock (Published)
            {
                Published.AddRange(events);
            }

            if (Entered.TrySetResult())
            {
                await Release.Task.WaitAsync(cancellationToken);
            }
        }
    }
}
