using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Controllers;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Migration.Domain;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>
/// A thousand generated malformed requests across every endpoint that takes input: each is answered promptly with a
/// 4xx ProblemDetails, and none of them starts a run, switches the pattern or writes a row (of users or order lines).
/// </summary>
public sealed class MalformedRequestTests : IAsyncLifetime
{
    private const int Requests = 1_000;
    private const int SeedRows = 200;
    private const int Seed = 20_260_611;
    private static readonly TimeSpan _requestTimeout = TimeSpan.FromSeconds(10);

    private readonly MigrationApi _api = new(new SqliteTestDatabases(), SeedRows);
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync()
    {
        _ = _api.Server; // schema and seed in place before the test reads the sides
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => _api.DisposeAsync();

    [Fact]
    public async Task InputEndpoints_ThousandMalformedRequests_Answer4xxProblemDetailsAndChangeNothing()
    {
        var generator = new MalformedRequestGenerator(Seed, existingIds: SeedRows);
        var endpoints = InputEndpoints();
        Assert.Contains("POST migrator/incr/start", endpoints);
        Assert.Contains("PUT api/users/{id:long}", endpoints);
        Assert.True(endpoints.SetEquals(generator.Endpoints),
            $"Every endpoint that takes input needs malformed requests. Mapped but not generated: [{string.Join(", ", endpoints.Except(generator.Endpoints))}]; " +
            $"generated but not mapped: [{string.Join(", ", generator.Endpoints.Except(endpoints))}].");

        var source = await _api.Databases.ReadAllAsync(Direction.Src);
        var target = await _api.Databases.ReadAllAsync(Direction.Dst);
        var lines = (await _api.Databases.CountDifferencesAsync("order_lines", "order_id", "line_no"),
            (await _api.Databases.ReadAllByKeyAsync(Direction.Src, "order_lines", "order_id", "line_no")).Count);
        var pattern = await _api.PatternAsync();
        Assert.Null((await _api.StatusAsync()).Incremental);

        var withKey = _api.CreateClient();
        var anonymous = _api.CreateAnonymousClient();
        var failures = new List<string>();
        var statuses = new SortedDictionary<int, int>();
        var sent = new HashSet<(string Endpoint, string Kind)>();
        foreach (var request in generator.Generate(Requests))
        {
            sent.Add((request.Endpoint, request.Kind));
            var (code, failure) = await SendAsync(request.Anonymous ? anonymous : withKey, request);
            statuses[code] = statuses.GetValueOrDefault(code) + 1;
            if (failure is not null)
            {
                failures.Add($"{failure}: {request}");
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"Answers by status: {string.Join(", ", statuses.Select(s => $"{s.Key}×{s.Value}"))}");
        Assert.True(failures.Count == 0,
            $"{failures.Count} of {Requests} malformed requests were not answered with a 4xx ProblemDetails:\n{string.Join('\n', failures.Take(25))}");
        Assert.Equal(generator.Pairs.ToHashSet(), sent);
        Assert.True(statuses.Keys.Count >= 5, $"expected a spread of 4xx codes, got {string.Join(", ", statuses)}");

        var status = await _api.StatusAsync();
        Assert.Null(status.Incremental);
        Assert.Null(status.Full);
        var after = await _api.PatternAsync();
        Assert.Equal((pattern.Pattern, pattern.Version, pattern.Applied), (after.Pattern, after.Version, after.Applied));
        Assert.Equal(source, await _api.Databases.ReadAllAsync(Direction.Src));
        Assert.Equal(target, await _api.Databases.ReadAllAsync(Direction.Dst));
        Assert.Equal(lines, (await _api.Databases.CountDifferencesAsync("order_lines", "order_id", "line_no"),
            (await _api.Databases.ReadAllByKeyAsync(Direction.Src, "order_lines", "order_id", "line_no")).Count));
    }

    /// <summary>Sends one request; returns its status and, if it is not a prompt 4xx ProblemDetails, why.</summary>
    private async Task<(int Status, string? Failure)> SendAsync(HttpClient client, MalformedRequest request)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_ct);
        timeout.CancelAfter(_requestTimeout);
        using var message = request.ToMessage();
        HttpResponseMessage response;
        byte[] body;
        try
        {
            response = await client.SendAsync(message, timeout.Token);
            body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!_ct.IsCancellationRequested)
        {
            return (0, $"no answer within {_requestTimeout.TotalSeconds} s");
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or IOException)
        {
            return (0, $"the request failed: {ex.GetType().Name}: {ex.Message}");
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (status is < 400 or >= 500)
            {
                return (status, $"answered {status} {Preview(body)}");
            }

            if (body.Length == 0)
            {
                return (status, null);
            }

            if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            {
                return (status, $"answered {status} as {response.Content.Headers.ContentType?.ToString() ?? "no content type"}, not ProblemDetails: {Preview(body)}");
            }

            try
            {
                using var problem = JsonDocument.Parse(body);
                return problem.RootElement.TryGetProperty("status", out var s) && s.TryGetInt32(out var named) && named == status
                    ? (status, null)
                    : (status, $"answered {status} with a ProblemDetails whose status differs: {Preview(body)}");
            }
            catch (JsonException ex)
            {
                return (status, $"answered {status} with a ProblemDetails that is not JSON ({ex.Message}): {Preview(body)}");
            }
        }
    }

    /// <summary>Every controller action that takes anything besides a cancellation token, as <c>METHOD route-template</c>.</summary>
    private HashSet<string> InputEndpoints() => _api.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
        .Where(e => e.Metadata.GetMetadata<ControllerActionDescriptor>()?.Parameters.Any(p => p.ParameterType != typeof(CancellationToken)) == true)
        .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => $"{m} {e.RoutePattern.RawText}"))
        .ToHashSet();

    private static string Preview(byte[] body) =>
        body.Length <= 300 ? Encoding.UTF8.GetString(body) : Encoding.UTF8.GetString(body, 0, 300) + "…";
}
