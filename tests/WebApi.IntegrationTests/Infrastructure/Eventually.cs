using System.Net.Http.Json;
using Migration.Application.Patterns;

namespace Migration.WebApi.IntegrationTests.Infrastructure;

/// <summary>Waits on conditions with a deadline, never a fixed sleep.</summary>
internal static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> until it holds, failing with <paramref name="what"/> after the deadline.</summary>
    public static async Task<TimeSpan> HoldsAsync(Func<Task<bool>> condition, string what, int seconds = 20)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (!await condition())
        {
            Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(seconds), $"Not within {seconds} s: {what}");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        return TimeProvider.System.GetElapsedTime(started);
    }

    public static async Task<PatternStateDto> PatternAsync(this MigrationApi api) =>
        (await api.CreateClient().GetFromJsonAsync<PatternStateDto>("/migrator/pattern", TestContext.Current.CancellationToken))!;

    /// <summary>
    /// Meets the gate a change of base side needs, as an operator would: waits until every instance applies the stored
    /// pattern, runs a full validation with the current base on <paramref name="api"/>, and waits until everything it
    /// found is repaired and no conflict is open. A write while the run ran may have met a stale row and left a
    /// conflict that only a later full run closes: then it runs another, as the gate's reasons tell an operator to.
    /// </summary>
    public static async Task ProveCutoverAsync(this MigrationApi api, int seconds = 60)
    {
        await HoldsAsync(async () => (await api.PatternAsync()).Converged, "every instance applies the pattern", seconds);
        var started = TimeProvider.System.GetTimestamp();
        for (var run = 1; ; run++)
        {
            var previous = (await api.StatusAsync()).Full?.Id;
            var response = await api.CreateClient().PostAsync("/migrator/full/start", null, TestContext.Current.CancellationToken);
            Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
            var left = Math.Max(1, seconds - (int)TimeProvider.System.GetElapsedTime(started).TotalSeconds);
            var done = await api.WaitForStatusAsync(s => s.Full is { } f && f.Id != previous && f.Status == "completed" && MigrationApi.Drained(s), left);
            if (done.OpenConflicts == 0 && done.DeadLetters?.Open == 0)
            {
                return;
            }

            Assert.True(run < 5 && TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(seconds),
                $"Still {done.OpenConflicts} open conflicts and {done.DeadLetters?.Open} open dead letters after {run} full runs: {done}");
        }
    }
}
