using Microsoft.Extensions.DependencyInjection;
using Migration.Application.Abstractions;
using Migration.Application.Common;
using Migration.Domain;
using Migration.Domain.Tables;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>
/// <c>Migration:Tables</c> resolved against both sides' real catalogs (MariaDB's information_schema): key columns,
/// types, collations, version columns, rules and filters, and every problem named by table and column.
/// </summary>
public sealed class TableCatalogTests(MariaDbFixture mariaDb)
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    private static readonly string[] _schema =
    [
        "CREATE TABLE order_lines (order_id BIGINT NOT NULL, sku VARCHAR(40) NOT NULL, qty INT NOT NULL, note TEXT NULL, updated DATETIME(3) NOT NULL, PRIMARY KEY (order_id, sku))",
        "CREATE TABLE accounts (uuid CHAR(36) NOT NULL PRIMARY KEY, name VARCHAR(50) NOT NULL, balance DECIMAL(12,2) NOT NULL, utime BIGINT NOT NULL)",
        "CREATE TABLE blobs (id BINARY(16) NOT NULL PRIMARY KEY, payload VARBINARY(200) NULL, seen TIMESTAMP(6) NULL)",
        "CREATE TABLE tags (name VARCHAR(30) COLLATE utf8mb4_general_ci NOT NULL PRIMARY KEY, hits INT UNSIGNED NOT NULL)",
        "CREATE TABLE audit (at DATETIME NOT NULL, what VARCHAR(100) NOT NULL)",
    ];

    private async Task<(MariaDbTestDatabases Databases, MigrationApi Api)> StartAsync(Dictionary<string, string?> tables, string[]? targetExtra = null)
    {
        var databases = await MariaDbTestDatabases.CreateAsync(await mariaDb.GetServerAsync());
        foreach (var side in new[] { Direction.Src, Direction.Dst })
        {
            foreach (var ddl in _schema)
            {
                await databases.ExecuteAsync(side, ddl);
            }
        }

        foreach (var sql in targetExtra ?? [])
        {
            await databases.ExecuteAsync(Direction.Dst, sql);
        }

        var settings = new Dictionary<string, string?> { ["Migration:Seed:Enabled"] = "false" };
        foreach (var (key, value) in tables)
        {
            settings[$"Migration:Tables:{key}"] = value;
        }

        var api = new MigrationApi(databases, settings: settings);
        _ = api.Server;
        return (databases, api);
    }

    private static ITableCatalog Catalog(MigrationApi api) => api.Services.GetRequiredService<ITableCatalog>();

    [Fact]
    public async Task Resolve_KeysTypesVersionsRulesAndFilters_FromTheCatalogs()
    {
        var (_, api) = await StartAsync(new()
        {
            ["0:Name"] = "order_lines", ["0:VersionColumn"] = "updated", ["0:IgnoreColumns:0"] = "note", ["0:Compare:updated:Precision"] = "0",
            ["1:Name"] = "accounts", ["1:Where"] = "balance >= 0", ["1:Compare:balance:Tolerance"] = "0.01",
            ["2"] = "blobs",
            ["3:Name"] = "tags",
        });
        await using var _ = api;
        var catalog = await Catalog(api).ResolveAsync(_ct);

        var lines = catalog.Find("order_lines")!;
        Assert.Equal(["order_id", "sku"], lines.Key.Select(k => k.Name));
        Assert.Equal([ColumnKind.Integer, ColumnKind.Text], lines.Key.Select(k => k.Kind));
        Assert.Equal(["qty", "updated"], lines.Columns.Select(c => c.Name));
        Assert.Equal((VersionKind.DateTime, 3), (lines.Version!.Kind, lines.Version.Column.Scale));
        Assert.Equal(0, lines.RuleFor(lines.Columns[1]).Precision);

        var accounts = catalog.Find("accounts")!;
        Assert.Equal((ColumnKind.Text, false), (accounts.Key[0].Kind, accounts.HasSingleIntegerKey));
        Assert.Equal("balance >= 0", accounts.Where);
        Assert.Null(accounts.Version);
        Assert.Equal(0.01m, accounts.Rules["balance"].Tolerance);

        var blobs = catalog.Find("blobs")!;
        Assert.Equal(ColumnKind.Binary, blobs.Key[0].Kind);
        Assert.Equal([ColumnKind.Binary, ColumnKind.Temporal], blobs.Columns.Select(c => c.Kind));
        Assert.True(blobs.Columns.All(c => c.Nullable));

        var tags = catalog.Find("tags")!;
        Assert.Equal(("utf8mb4_general_ci", true), (tags.Key[0].Collation!.Name, tags.Key[0].Collation!.CaseInsensitive));
        Assert.Equal(ColumnKind.UnsignedInteger, tags.Columns[0].Kind);
    }

    [Fact]
    public async Task Resolve_Everything_TakesTablesWithAPrimaryKeyAndListsTheRestWithTheReason()
    {
        var (_, api) = await StartAsync(new() { ["0"] = "*" }, ["CREATE TABLE only_target (id INT PRIMARY KEY)"]);
        await using var _ = api;
        await api.Databases.ExecuteAsync(Direction.Src, "CREATE TABLE only_source (id INT PRIMARY KEY)");

        var catalog = await Catalog(api).ResolveAsync(_ct);

        Assert.Equal(["accounts", "blobs", "order_lines", "tags"], catalog.Tables.Select(t => t.Name).Order());
        Assert.Contains(catalog.Skipped, s => s.Name == "audit" && s.Reason.Contains("no primary key", StringComparison.Ordinal));
        Assert.Contains(catalog.Skipped, s => s.Name == "only_source" && s.Reason.Contains("target has no table", StringComparison.Ordinal));
        Assert.DoesNotContain(catalog.Tables, t => t.Name.StartsWith("migration_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Resolve_ShapesThatCannotBeCompared_NameEveryTableAndColumn()
    {
        var (_, api) = await StartAsync(new() { ["0"] = "accounts" },
            [
                "ALTER TABLE order_lines MODIFY qty VARCHAR(10) NOT NULL",
                "ALTER TABLE accounts DROP COLUMN balance",
                "ALTER TABLE tags MODIFY name VARCHAR(30) COLLATE utf8mb4_bin NOT NULL",
            ]);
        await using var _ = api;
        // Started on a table it can read (a start refuses a missing table at once); then asked about these.
        Options(api).Tables =
        [
            new() { Name = "order_lines" }, new() { Name = "accounts" }, new() { Name = "tags" }, new() { Name = "audit" }, new() { Name = "missing" },
            new() { Name = "blobs", VersionColumn = "payload", Compare = { ["payload"] = new() { Tolerance = 1 } } },
        ];

        var refused = await Assert.ThrowsAsync<TableShapeException>(() => Catalog(api).ResolveAsync(_ct));

        var problems = refused.Problems.Select(p => (p.Table, p.Column)).ToHashSet();
        Assert.Contains(("order_lines", "qty"), problems);
        Assert.Contains(("accounts", "balance"), problems);
        Assert.Contains(("tags", "name"), problems);
        Assert.Contains(("audit", null), problems);
        Assert.Contains(("missing", null), problems);
        Assert.Contains(("blobs", "payload"), problems);
        Assert.Contains(refused.Problems, p => p is { Table: "tags" } && p.Problem.Contains("collation", StringComparison.Ordinal));
        Assert.Contains(refused.Problems, p => p is { Table: "accounts" } && p.Problem.Contains("missing on the target", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Resolve_LegacySingleTable_IsOneEntryWithUtimeWhenItHasOne()
    {
        var (_, api) = await StartAsync(new() { ["0"] = "accounts" });
        await using var _ = api;
        var options = Options(api);
        options.Tables = [];
        Assert.Equal("users", Assert.Single(options.TableEntries).Name);

        options.Table = "accounts";
        var catalog = await Catalog(api).ResolveAsync(_ct);

        Assert.Equal(("accounts", "utime", VersionKind.EpochMilliseconds), (catalog.Tables[0].Name, catalog.Tables[0].Version!.Column.Name, catalog.Tables[0].Version!.Kind));
    }

    private static Migration.Infrastructure.Options.MigrationOptions Options(MigrationApi api) =>
        api.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Migration.Infrastructure.Options.MigrationOptions>>().Value;
}
