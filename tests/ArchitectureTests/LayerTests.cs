using System.Reflection;

namespace Migration.ArchitectureTests;

/// <summary>The dependency rule: arrows point inward only (see DESIGN.md).</summary>
public sealed class LayerTests
{
    private static readonly Assembly _domain = typeof(Domain.Direction).Assembly;
    private static readonly Assembly _application = typeof(Application.DependencyInjection).Assembly;
    private static readonly Assembly _infrastructure = typeof(Infrastructure.DependencyInjection).Assembly;
    private static readonly Assembly _webApi = typeof(Program).Assembly;

    private static string[] References(Assembly assembly) =>
        assembly.GetReferencedAssemblies().Select(a => a.Name!).ToArray();

    /// <summary>The referenced assemblies that the rule forbids, by name prefix.</summary>
    private static string[] Offending(Assembly assembly, params string[] forbiddenPrefixes) =>
        References(assembly).Where(name => forbiddenPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal))).ToArray();

    [Fact]
    public void Domain_DependsOnNothingButTheRuntime() =>
        Assert.DoesNotContain(References(_domain), name => !name.StartsWith("System", StringComparison.Ordinal));

    [Fact]
    public void Application_DoesNotDependOnOuterLayersOrTheirFrameworks() =>
        Assert.Empty(Offending(_application,
            "Migration.Infrastructure", "Migration.WebApi", "Microsoft.EntityFrameworkCore", "Microsoft.AspNetCore",
            "Confluent.Kafka", "Pomelo", "MySqlConnector", "Microsoft.Data.Sqlite"));

    [Fact]
    public void Infrastructure_DoesNotDependOnWebApi() =>
        Assert.Empty(Offending(_infrastructure, "Migration.WebApi"));

    [Fact]
    public void WebApi_ReferencesBothInnerLayers() =>
        Assert.Superset(new HashSet<string> { "Migration.Application", "Migration.Infrastructure" }, References(_webApi).ToHashSet());

    [Fact]
    public void Offending_SeesAForbiddenReference()
    {
        // Guards the check itself: the WebApi does reference Infrastructure, so the same call must find it.
        Assert.Equal(["Migration.Infrastructure"], Offending(_webApi, "Migration.Infrastructure"));
    }

    public static TheoryData<string> Layers() => new() { "Application", "Infrastructure" };

    [Theory]
    [MemberData(nameof(Layers))]
    public void HandlersValidatorsWorkersAndConfigurations_AreInternalSealed(string layer)
    {
        var assembly = layer == "Application" ? _application : _infrastructure;
        string[] suffixes = ["Handler", "Validator", "Worker", "Configuration", "Scheduler", "Behavior"];
        var wrong = assembly.GetTypes()
            .Where(t => t.IsClass && !t.IsAbstract && !t.IsNested && t.Namespace?.StartsWith("Migration", StringComparison.Ordinal) == true)
            .Where(t => suffixes.Any(s => t.Name.Split('`')[0].EndsWith(s, StringComparison.Ordinal)))
            .Where(t => t.IsPublic || !t.IsSealed)
            .Select(t => t.FullName)
            .ToArray();
        Assert.Empty(wrong);
    }
}
