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
}
