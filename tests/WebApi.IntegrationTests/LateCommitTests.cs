using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Migration.Domain;
using Migration.WebApi.IntegrationTests.Infrastructure;
using MySqlConnector;

namespace Migration.WebApi.IntegrationTests;

/// <summary>
/// A transaction that commits after the incremental cursor passed the version it wrote (a long transaction that set
/// the version when it began) is still compared, by the cursor that trails the present by
/// <c>Migration:Validation:LateCommitWindowMs</c>; on MariaDB, with the transaction held open across several polls. The
/// same for a journal entry (change capture on a table without version column) numbered before one already read.
/// </summary>
public sealed class LateCommitTests(MariaDbFixture mariaDb)
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task IncrementalRun_TransactionCommittingAfterTheCursorPassedItsVersion_IsDetectedAndRepaired()
    {
        var databases = await MariaDbTestDatabases.CreateAsync(await mariaDb.GetServerAsync());
        foreach (var side in new[] { Direction.Src, Direction.Dst })
        {
            await databases.ExecuteAsync(side, "CREATE TABLE late (id BIGINT NOT NULL PRIMARY KEY, v VARCHAR(20) NOT NULL, utime BIGINT NOT NULL, KEY (utime, id))");
            await databases.ExecuteAsync(side, "INSERT INTO late VALUES (1, 'first', 1000), (2, 'second', 1000)");
        }

        await using var api = new MigrationApi(databases, settings: new Dictionary<string, string?>
        {
            ["Migration:Seed:Enabled"] = "false",
            ["Migration:Tables:0:Name"] = "late",
            ["Migration:Tables:0:VersionColumn"] = "utime",
            ["Migration:Validation:LateCommitWindowMs"] = "2000",
        });
        var started = await api.CreateClient().PostAsJsonAsync("/migrator/incr/start", new { utime = 0, interval = 50 }, _ct);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        // Both walks have passed the two rows (the target walk counts none: the base walk checked them).
        await api.WaitForStatusAsync(s => s.Incremental!.RowsChecked == 2 && s.Incremental.Tables[0].TargetCursor.Key == "2");

        // The long transaction writes a version from when it began, then stays open.
        var began = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await using var connection = new MySqlConnection(databases.ConnectionString(Direction.Src));
        await connection.OpenAsync(_ct);
        await using var transaction = await connection.BeginTransactionAsync(_ct);
        await using (var update = new MySqlCommand($"UPDATE late SET v = 'late', utime = {began} WHERE id = 1", connection, transaction))
        {
            await update.ExecuteNonQueryAsync(_ct);
        }

        // Meanwhile a later write, equal on both sides, moves the cursor past that version.
        var later = began + 500;
        foreach (var side in new[] { Direction.Src, Direction.Dst })
        {
            await databases.ExecuteAsync(side, $"UPDATE late SET v = 'later', utime = {later} WHERE id = 2");
        }

        await api.WaitForStatusAsync(s => s.Incremental!.Tables[0].Cursor.Key == "2" && s.Incremental.Tables[0].Cursor.Version == $"{later}");
        await transaction.CommitAsync(_ct);
        var committed = Stopwatch.StartNew();

        await api.WaitForStatusAsync(s => s.Incremental!.Inconsistencies.Neq == 1 && MigrationApi.Drained(s) && s.Repair.Upserted == 1, seconds: 30);
        var delay = committed.Elapsed;

        Assert.Equal("1", Assert.Single(api.Publisher.Published).Key.ToText());
        Assert.Equal(0, await databases.CountDifferencesAsync("late", "id"));
        // Found by the trailing cursor: once the window after the version has passed, not before the commit.
        Assert.InRange(delay, TimeSpan.Zero, TimeSpan.FromSeconds(15));
        TestContext.Current.SendDiagnosticMessage($"late commit detected and repaired {delay.TotalMilliseconds:F0} ms after its commit");
        await api.CreateClient().PostAsync("/migrator/incr/stop", null, _ct);
    }

    [Fact]
    public async Task IncrementalRun_JournalEntryCommittingAfterALaterOneWasHandledOver_IsDetectedAndRepaired()
    {
        var databases = await MariaDbTestDatabases.CreateAsync(await mariaDb.GetServerAsync());
        foreach (var side in new[] { Direction.Src, Direction.Dst })
        {
            await databases.ExecuteAsync(side, "CREATE TABLE plain (id BIGINT NOT NULL PRIMARY KEY, v VARCHAR(20) NOT NULL)");
            await databases.ExecuteAsync(side, "INSERT INTO plain VALUES (1, 'first'), (2, 'second')");
        }

        await using var api = new MigrationApi(databases, settings: new Dictionary<string, string?>
        {
            ["Migration:Seed:Enabled"] = "false",
            ["Migration:Tables:0:Name"] = "plain",
            ["Migration:ChangeCapture"] = "Triggers",
            ["Migration:Validation:LateCommitWindowMs"] = "3000",
            // Only the journal may find it: no rolling sweep.
            ["Migration:Validation:Sweep:Mode"] = "Off",
        });
        await api.WaitForStatusAsync(s => s.Journal?.Sides.Single(x => x.Side == "SRC").Triggers is ["plain"]);
        var started = await api.CreateClient().PostAsJsonAsync("/migrator/incr/start", new { utime = 0, interval = 50 }, _ct);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        await api.WaitForStatusAsync(s => s.Incremental!.Tables.All(t => t.Status == "fullonly" || t.Status == "running"));

        // The trigger numbers this entry now; it becomes visible only at the commit below.
        await using var connection = new MySqlConnection(databases.ConnectionString(Direction.Src));
        await connection.OpenAsync(_ct);
        await using var transaction = await connection.BeginTransactionAsync(_ct);
        await using (var update = new MySqlCommand("UPDATE plain SET v = 'late' WHERE id = 1", connection, transaction))
        {
            await update.ExecuteNonQueryAsync(_ct);
        }

        // A later entry commits first, and is read, handed over and repaired: the reader is past the open one.
        await databases.ExecuteAsync(Direction.Src, "UPDATE plain SET v = 'later' WHERE id = 2");
        await api.WaitForStatusAsync(s => s.Incremental!.Inconsistencies.Neq == 1 && MigrationApi.Drained(s) && s.Repair.Upserted == 1, seconds: 30);
        await transaction.CommitAsync(_ct);
        var committed = Stopwatch.StartNew();

        await api.WaitForStatusAsync(s => s.Incremental!.Inconsistencies.Neq == 2 && MigrationApi.Drained(s) && s.Repair.Upserted == 2, seconds: 30);
        var delay = committed.Elapsed;

        Assert.Equal(["2", "1"], api.Publisher.Published.Select(e => e.Key.ToText()));
        Assert.Equal(0, await databases.CountDifferencesAsync("plain", "id"));
        TestContext.Current.SendDiagnosticMessage($"late journal entry detected and repaired {delay.TotalMilliseconds:F0} ms after its commit");
        await api.CreateClient().PostAsync("/migrator/incr/stop", null, _ct);
    }
}
