using Microsoft.Extensions.Options;
using Migration.Infrastructure.Options;

namespace Migration.WebApi.Infrastructure;

/// <summary>
/// A stop (SIGTERM, Ctrl+C) within <see cref="MigrationOptions.ShutdownTimeoutSeconds"/>: Kestrel lets requests in
/// flight finish (their database waits are bounded by the command and lock-wait timeouts), every hosted service stops
/// on its token, and a last line says whether the stop was clean.
/// </summary>
internal static partial class GracefulShutdown
{
    private const string Category = "Migration.WebApi.Shutdown";

    public static IServiceCollection AddGracefulShutdown(this IServiceCollection services)
    {
        services.AddOptions<HostOptions>().Configure<IOptions<MigrationOptions>>((host, migration) =>
        {
            try
            {
                host.ShutdownTimeout = TimeSpan.FromSeconds(migration.Value.ShutdownTimeoutSeconds);
            }
            catch (Exception ex) when (ex is OptionsValidationException or InvalidOperationException)
            {
                // The host reads its options while it is built, before the start-up check: that check reports invalid
                // Migration options in one line (StartupFailure) and the host never starts.
            }
        });
        return services;
    }

    /// <summary>
    /// Like <c>app.Run()</c>, and logs how the stop went: a clean stop at information, a failed one at error (then
    /// rethrown). A start that fails is reported in one line (<see cref="StartupFailure"/>).
    /// </summary>
    /// <returns>The process's exit code: 0 after a stop, <see cref="StartupFailure.ExitCode"/> when the start failed.</returns>
    public static async Task<int> RunUntilStoppedAsync(this WebApplication app)
    {
        var time = app.Services.GetRequiredService<TimeProvider>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(Category);
        var stopping = long.MinValue;
        app.Lifetime.ApplicationStopping.Register(() => stopping = time.GetTimestamp());
        if (!await StartupFailure.TryStartAsync(app))
        {
            return StartupFailure.ExitCode;
        }

        try
        {
            // Returns once the host has stopped: every hosted service's StopAsync has returned.
            await app.WaitForShutdownAsync();
            LogStopped(logger, Seconds(time, stopping));
        }
        catch (Exception ex)
        {
            LogStopFailed(logger, ex, Seconds(time, stopping));
            throw;
        }
        finally
        {
            await app.DisposeAsync();
        }

        return 0;
    }

    private static double Seconds(TimeProvider time, long since) => since == long.MinValue ? 0 : time.GetElapsedTime(since).TotalSeconds;

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopped cleanly {Seconds:F1} s after the stop signal")]
    private static partial void LogStopped(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "The stop failed {Seconds:F1} s after the stop signal")]
    private static partial void LogStopFailed(ILogger logger, Exception exception, double seconds);
}
