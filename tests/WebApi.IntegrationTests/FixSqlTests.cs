using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Migration.Application.Validation;
using Migration.Domain;
using Migration.WebApi.IntegrationTests.Infrastructure;
using MySqlConnector;

namespace Migration.WebApi.IntegrationTests;

/// <summary>
/// The fix SQL of a report-only run on MariaDB, for a table with a composite key and nasty values (quotes, backslashes,
/// NUL, line breaks, emoji, bytes, NULL, DECIMAL, DATETIME(3), TIME, DATE, DOUBLE, a keyword as a column name), applied
/// with the <c>mariadb</c> command-line client: afterwards a new full validation finds nothing, and neither does the
/// test's own comparison.
/// </summary>
public sealed class FixSqlTests(MariaDbFixture mariaDb)
{
    private const string Table = "nasty";
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    private static readonly string _schema =
        $"CREATE TABLE {Table} (tenant INT NOT NULL, code VARCHAR(40) COLLATE utf8mb4_bin NOT NULL, note TEXT NULL, data VARBINARY(64) NULL, " +
        "amount DECIMAL(20,6) NULL, at DATETIME(3) NULL, `day` DATE NULL, span TIME(6) NULL, ratio DOUBLE NULL, flag TINYINT(1) NULL, " +
        "`select` VARCHAR(40) NULL, PRIMARY KEY (tenant, code)) CHARACTER SET utf8mb4";

    /// <summary>Source rows: every value a literal must get right.</summary>
    private static readonly object?[][] _rows =
    [
        [1, "a'b", "it's \"quoted\" and 'single'", new byte[] { 0x00, 0xFF, 0x27, 0x5C, 0x0A }, -12345678901234.123456m, new DateTime(2024, 2, 29, 23, 59, 59, 999), new DateTime(2024, 2, 29), new TimeSpan(0, 23, 59, 59, 500), 1.0 / 3, true, "from"],
        [1, "c\\d", "back\\slash \\' \\\\ \\n not a newline", Array.Empty<byte>(), 0m, new DateTime(1970, 1, 1), new DateTime(1000, 1, 1), TimeSpan.FromHours(-838) - TimeSpan.FromMinutes(59), -0.0, false, "where"],
        [2, "line", "line1\nline2\r\n\ttab\u000b\u007f", null, 999999.999999m, new DateTime(2038, 1, 19, 3, 14, 8, 1), null, TimeSpan.FromHours(100), 1e300, null, null],
        [2, "nul", "nul\0byte\0", new byte[] { 0, 0, 0 }, null, null, new DateTime(9999, 12, 31), TimeSpan.Zero, 1e-300, true, "'; DROP TABLE nasty; --"],
        [3, "emoji 😀", "emoji 😀🎉 ü é 中文 \u200b", new byte[] { 0xF0, 0x9F, 0x98, 0x80 }, 0.000001m, new DateTime(2000, 1, 1, 0, 0, 0, 1), new DateTime(2000, 1, 1), null, -123.456, null, "%_like_%"],
        [3, "null", null, null, null, null, null, null, null, null, null],
        [3, "empty", "", Array.Empty<byte>(), -0.5m, new DateTime(2024, 1, 1, 12, 0, 0), null, new TimeSpan(0, 0, 0, 0, 1), 0.1, false, ""],
        [4, "same", "unchanged row", new byte[] { 1 }, 1m, new DateTime(2024, 5, 5), null, null, 2.5, true, "x"],
    ];

    [Fact]
    public async Task FixSql_AppliedWithTheMariadbClient_MakesTheTargetEqual_AndANewRunFindsNothing()
    {
        var databases = await MariaDbTestDatabases.CreateAsync(await mariaDb.GetServerAsync());
        foreach (var side in new[] { Direction.Src, Direction.Dst })
        {
            await databases.ExecuteAsync(side, _schema);
        }

        // Started on first use, after the rows are in; disposing it drops the databases. The control database is on
        // MariaDB too, as in a deployment.
        var settings = new Dictionary<string, string?>
        {
            ["Migration:Seed:Enabled"] = "false",
            ["Migration:Tables:0"] = Table,
            ["Migration:Validation:ChunkRows"] = "3",
            ["Migration:Control:Provider"] = "MySql",
            ["Migration:Control:ConnectionString"] = await databases.ControlConnectionStringAsync(),
        };
        await using var api = new MigrationApi(databases, settings: settings);
        foreach (var row in _rows)
        {
            await InsertAsync(databases, Direction.Src, row);
        }

        // The target: two rows missing, every other row but one different in one column, and two rows only it has.
        foreach (var (row, index) in _rows.Select((r, i) => (r, i)).Where(r => (string)r.r[1]! is not ("nul" or "emoji 😀")))
        {
            var changed = (object?[])row.Clone();
            if ((string)changed[1]! != "same")
            {
                var column = index % 9 + 2;
                changed[column] = changed[column] is null ? Default(column) : null;
            }

            await InsertAsync(databases, Direction.Dst, changed);
        }

        await InsertAsync(databases, Direction.Dst, [9, "only 'target' \\", "gone", null, null, null, null, null, null, null, null]);
        await InsertAsync(databases, Direction.Dst, [9, "😀", null, null, null, null, null, null, null, null, null]);
        Assert.True(await databases.CountDifferencesAsync(Table, "tenant", "code") >= 9);

        var run = await FullRunAsync(api);
        Assert.Equal((2L, 2L), (run.Inconsistencies.TargetMissing, run.Inconsistencies.BaseMissing));
        Assert.Equal(_rows.Length - 3, run.Inconsistencies.Neq);

        var response = await api.CreateClient().GetAsync($"/migrator/runs/{run.Id}/fix.sql", _ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var script = await response.Content.ReadAsByteArrayAsync(_ct);
        var file = Path.Combine(databases.DataDirectory, "fix.sql");
        await File.WriteAllBytesAsync(file, script, _ct);
        TestContext.Current.TestOutputHelper?.WriteLine(System.Text.Encoding.UTF8.GetString(script));

        await ApplyWithClientAsync(databases.ConnectionString(Direction.Dst), file);

        Assert.Equal(0, await databases.CountDifferencesAsync(Table, "tenant", "code"));
        var check = await FullRunAsync(api);
        Assert.Equal(0, check.Inconsistencies.TargetMissing + check.Inconsistencies.Neq + check.Inconsistencies.BaseMissing);

        // A control database made before the run history existed gets its tables at the next start.
        await using (var control = new MySqlConnection(settings["Migration:Control:ConnectionString"]))
        {
            await control.OpenAsync(_ct);
            await using var drop = new MySqlCommand("DROP TABLE migration_differences, migration_runs", control);
            await drop.ExecuteNonQueryAsync(_ct);
        }

        await using var restarted = new MigrationApi(databases, settings: settings, ownsDatabases: false);
        var again = await FullRunAsync(restarted);
        Assert.Equal(HttpStatusCode.OK, (await restarted.CreateClient().GetAsync($"/migrator/runs/{again.Id}", _ct)).StatusCode);
    }

    private static object Default(int column) => column switch
    {
        2 or 10 => "x",
        3 => new byte[] { 7 },
        4 => 7m,
        5 or 6 => new DateTime(2001, 1, 1),
        7 => TimeSpan.FromSeconds(7),
        8 => 7.0,
        _ => true,
    };

    private static async Task InsertAsync(TestDatabases databases, Direction side, object?[] row)
    {
        await using var connection = await databases.OpenAsync(side);
        await using var command = connection.CreateCommand();
        command.CommandText = $"INSERT INTO {Table} (tenant, code, note, data, amount, at, `day`, span, ratio, flag, `select`) " +
            "VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8, @p9, @p10)";
        for (var i = 0; i < row.Length; i++)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = $"@p{i}";
            parameter.Value = row[i] ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        await command.ExecuteNonQueryAsync();
    }

    private async Task<RunDto> FullRunAsync(MigrationApi api)
    {
        var previous = (await api.StatusAsync()).Full?.Id;
        var response = await api.CreateClient().PostAsJsonAsync("/migrator/full/start", new { repair = false }, _ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var status = await api.WaitForStatusAsync(s => s.Full is { } f && f.Id != previous && f.Status is "completed" or "failed");
        Assert.Equal("completed", status.Full!.Status);
        return status.Full;
    }

    /// <summary><c>mariadb -h HOST -P PORT -u USER DATABASE &lt; fix.sql</c>, as an operator runs it.</summary>
    private async Task ApplyWithClientAsync(string connectionString, string file)
    {
        var target = new MySqlConnectionStringBuilder(connectionString);
        var start = new ProcessStartInfo("mariadb")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "--no-defaults", $"-h{target.Server}", $"-P{target.Port}", $"-u{target.UserID}", target.Database })
        {
            start.ArgumentList.Add(argument);
        }

        if (!string.IsNullOrEmpty(target.Password))
        {
            start.Environment["MYSQL_PWD"] = target.Password;
        }

        using var client = Process.Start(start)!;
        var output = client.StandardOutput.ReadToEndAsync(_ct);
        var errors = client.StandardError.ReadToEndAsync(_ct);
        await using (var input = File.OpenRead(file))
        {
            await input.CopyToAsync(client.StandardInput.BaseStream, _ct);
        }

        client.StandardInput.Close();
        await client.WaitForExitAsync(_ct);
        Assert.True(client.ExitCode == 0, $"mariadb exited {client.ExitCode}: {await errors}{await output}");
    }
}
