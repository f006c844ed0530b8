using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Migration.Infrastructure;
using Migration.Infrastructure.Options;

namespace Migration.WebApi.IntegrationTests;

/// <summary>A <c>Migration:Tables</c> entry without a name, or a table listed twice, stops the start naming the key.</summary>
public sealed class TableOptionsValidationTests
{
    [Theory]
    [InlineData(new[] { "Migration:Tables:0:Name=users", "Migration:Tables:1:KeyColumns:0=id" }, "Migration:Tables:1:Name is missing")]
    [InlineData(new[] { "Migration:Tables:0=orders", "Migration:Tables:1:Name=ORDERS" }, "Migration:Tables:1:Name 'ORDERS' is listed twice")]
    public void Options_BadTableEntry_FailNamingTheKey(string[] pairs, string expected)
    {
        var settings = pairs.Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => (string?)p[1]);
        var services = new ServiceCollection().AddInfrastructure(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        using var provider = services.BuildServiceProvider();

        var failure = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<MigrationOptions>>().Value);
        Assert.Contains(expected, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_NamedEntriesAndStar_Start()
    {
        var settings = new Dictionary<string, string?> { ["Migration:Tables:0"] = "orders", ["Migration:Tables:1:Name"] = "users", ["Migration:Tables:2"] = "*" };
        var services = new ServiceCollection().AddInfrastructure(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        using var provider = services.BuildServiceProvider();

        Assert.Equal(["orders", "users", "*"], provider.GetRequiredService<IOptions<MigrationOptions>>().Value.Tables.Select(t => t.Name));
    }
}
