using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Migration.Application.Validation;
using Migration.Domain.Inconsistencies;
using Migration.Testing;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>
/// The MariaDB server behind both sides goes away in the middle of a full run and comes back: the run logs and
/// counts the errors, backs off, goes on where it was, and still reports exactly the planted differences. The server
/// is private to the test, since it stops it.
/// </summary>
public sealed class DatabaseOutageTests
{
    private const int Rows = 12_000;
    private const int StopAfterRows = 3_000;
    private const int RetryBackoffMs = 100;
    private const int MaxRetryBackoffMs = 800;

    /// <summary>How long the server stays down at least; longer if the run has not backed off to its longest wait by then.</summary>
    private static readonly TimeSpan _outage = TimeSpan.FromSeconds(3);

    private static readonly Dictionary<string, string?> _settings = new()
    {
        // Chunks of 10 rows, 64 to a segment: the cursor moves every 640 rows, and 2,000 rows a second make the run
        // last about six seconds, so it is well under way, and far from done, when the server stops.
        ["Migration:Validation:ChunkRows"] = "10",
        ["Migration:Validation:BatchSize"] = "100",
        ["Migration:Validation:Parallelism"] = "2",
        ["Migration:Validation:MaxRowsPerSecond"] = "2000",
        // Differences wait two seconds for their second look, so some found before the outage are still waiting
        // through it, and are reported after it.
        ["Migration:Validation:RecheckDelayMs"] = "2000",
        ["Migration:Validation:RetryBackoffMs"] = RetryBackoffMs.ToString(CultureInfo.InvariantCulture),
        ["Migration:Validation:MaxRetryBackoffMs"] = MaxRetryBackoffMs.ToString(CultureInfo.InvariantCulture),
    };

    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task FullRun_ServerStoppedAndStartedAgainMidRun_BacksOffResumesAndFindsExactlyThePlantedDifferences()
    {
        await using var server = await MariaDbServer.StartPrivateAsync(_ct, bufferPoolMb: 64);
        var logs = new LogCollector();
        await using var api = new MigrationApi(
            await MariaDbTestDatabases.CreateAsync(server), Rows, _settings, services: s => s.AddSingleton<ILoggerProvider>(logs));
        try
        {
            _ = api.Server; // schema and seed in place
            var planted = await api.Databases.DiffAsync();
            Assert.NotEmpty(planted.TargetMissing);
            Assert.NotEmpty(planted.Neq);
            Assert.NotEmpty(planted.BaseMissing);

            var started = await api.CreateClient().PostAsync("/migrator/full/start", null, _ct);
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
            var run = (await started.Content.ReadFromJsonAsync<RunDto>(_ct))!;
            await api.WaitForStatusAsync(s => s.Full!.RowsChecked > StopAfterRows);

            await server.StopAsync(_ct);
            var stoppedAt = TimeProvider.System.GetTimestamp();
            await Eventually.HoldsAsync(
                () => Task.FromResult(TimeProvider.System.GetElapsedTime(stoppedAt) >= _outage && Retries(logs).Any(r => r.DelayMs == MaxRetryBackoffMs)),
                $"the run backing off to its longest wait, {MaxRetryBackoffMs} ms, while the server is down");
            var down = (await api.StatusAsync()).Full!;
            var outage = TimeProvider.System.GetElapsedTime(stoppedAt);
            await server.StartAgainAsync(_ct);
            Output($"Server down {outage.TotalSeconds:F1} s (+{TimeProvider.System.GetElapsedTime(stoppedAt) - outage:g} to start again) " +
                $"at {down.RowsChecked} of {planted.Ids} rows, {down.SuspectsPending} suspects pending; {down.Errors} errors, last: {down.LastError}");

            // While the server was down the run went on failing, counting and logging each failure, and waited
            // longer after each one (with jitter), up to the longest wait and no further.
            Assert.Equal(("running", run.Id), (down.Status, down.Id));
            Assert.InRange(down.RowsChecked, StopAfterRows + 1, planted.Ids - 1);
            Assert.True(down.Errors > 0, $"no errors counted while the server was down: {down}");
            Assert.StartsWith("Failed to ", down.LastError, StringComparison.Ordinal);
            Assert.True(down.SuspectsPending > 0, $"no differences were waiting for their second look through the outage: {down}");
            var retries = Retries(logs);
            Assert.All(retries, r => Assert.NotNull(r.Exception));
            Assert.Contains(retries, r => r.DelayMs < RetryBackoffMs * 4);
            Assert.Contains(retries, r => r.DelayMs == MaxRetryBackoffMs);
            Assert.All(retries, r => Assert.InRange(r.DelayMs, 0, MaxRetryBackoffMs));

            // Then the same run went on and finished: every row checked once, every planted difference reported once.
            var final = (await api.WaitForStatusAsync(s => s.Full!.Status != "running", seconds: 45)).Full!;
            Output($"Run ended {final.Status} after {(final.EndedAt - final.StartedAt)?.TotalSeconds:F1} s with {final.Errors} errors; " +
                $"retried steps: {string.Join(", ", Retries(logs).GroupBy(r => r.Step).Select(g => $"{g.Key} ×{g.Count()}"))}");
            Assert.Equal(("completed", run.Id), (final.Status, final.Id));
            Assert.Equal(planted.Ids, final.RowsChecked);
            Assert.True(final.Errors >= down.Errors);
            Assert.Equal(planted.TargetMissing, api.Publisher.IdsOf(InconsistencyType.TargetMissing));
            Assert.Equal(planted.Neq, api.Publisher.IdsOf(InconsistencyType.Neq));
            Assert.Equal(planted.BaseMissing, api.Publisher.IdsOf(InconsistencyType.BaseMissing));
            Assert.Equal(planted.TargetMissing.Count + planted.Neq.Count + planted.BaseMissing.Count, api.Publisher.Published.Count);
            Assert.Equal(new InconsistencyCountsDto(planted.TargetMissing.Count, planted.Neq.Count, planted.BaseMissing.Count), final.Inconsistencies);
        }
        finally
        {
            // A failure while the server was down: start it again, so the databases can be dropped.
            if (!server.IsRunning)
            {
                await server.StartAgainAsync(CancellationToken.None);
            }
        }
    }

    private static void Output(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);

    /// <summary>The validator's "failed to …; retrying in … ms" warnings.</summary>
    private static List<(int DelayMs, string Step, Exception? Exception)> Retries(LogCollector logs) =>
        [.. logs.Entries
            .Where(e => e.Category.EndsWith(".TableValidator", StringComparison.Ordinal) && e.Level == LogLevel.Warning && e.Values.ContainsKey("DelayMs"))
            .Select(e => (Convert.ToInt32(e.Values["DelayMs"], CultureInfo.InvariantCulture), (string)e.Values["Step"]!, e.Exception))];
}
