using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using Migration.Infrastructure.Data;
using Migration.Infrastructure.Options;

namespace Migration.WebApi.Infrastructure;

/// <summary>
/// A start that fails ends in one line on standard error — what failed (the <c>source</c>, <c>target</c> or
/// <c>control</c> database, the HTTP listener, the configuration), where, why and what to check — and exit code
/// <see cref="ExitCode"/>. The stack trace is logged at debug only (<c>Logging:LogLevel:Default=Debug</c>).
/// </summary>
internal static partial class StartupFailure
{
    /// <summary>The exit code of a failed start, for the service and for the <c>validate</c> command alike.</summary>
    public const int ExitCode = 2;

    private const string Category = "Migration.WebApi.Startup";

    /// <summary>
    /// The host's own "Hosting failed to start" error (event 11 of this category) carries the whole stack trace: it is
    /// logged at debug, as the trace of the line this class prints.
    /// </summary>
    private const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    private const int HostStartupFaulted = 11;

    /// <summary>Moves the host's stack trace of a failed start to debug; the line printed instead says what failed.</summary>
    public static IServiceCollection AddStartupFailureReport(this IServiceCollection services) =>
        services.Decorate<ILoggerFactory>((_, inner) => new QuietStartFailureLoggerFactory(inner));

    /// <summary>
    /// Before the host starts: validates the options and builds every hosted service (and with them the databases'
    /// accessors), so a configuration error is reported like any other start-up failure.
    /// </summary>
    /// <returns>Null when all is well; otherwise the exit code, after the failure was reported and the host disposed.</returns>
    public static async Task<int?> PreflightAsync(IHost host) => await CheckAsync(host) is null ? null : ExitCode;

    /// <summary>Starts the host; a failure is reported, the host disposed, and false returned.</summary>
    public static async Task<bool> TryStartAsync(IHost host) => await StartAsync(host, CancellationToken.None) is null;

    /// <summary>As <see cref="PreflightAsync"/>; returns the line printed, or null when all is well.</summary>
    public static async Task<string?> CheckAsync(IHost host)
    {
        try
        {
            host.Services.GetService<IStartupValidator>()?.Validate();
            _ = host.Services.GetServices<IHostedService>().ToList();
            return null;
        }
        catch (Exception ex)
        {
            return await ReportAsync(host, ex);
        }
    }

    /// <summary>As <see cref="TryStartAsync"/>; returns the line printed, or null when the host started.</summary>
    public static async Task<string?> StartAsync(IHost host, CancellationToken cancellationToken)
    {
        try
        {
            await host.StartAsync(cancellationToken);
            return null;
        }
        catch (Exception ex)
        {
            return await ReportAsync(host, ex);
        }
    }

    /// <summary>One line: what failed, where and why, and the key to check.</summary>
    public static string Describe(Exception exception, IConfiguration configuration)
    {
        var error = Unwrap(exception);
        var line = error switch
        {
            DatabaseStartupException db => $"{db.Database} database at {db.Location}: {db.Reason.TrimEnd('.')}. Check {db.Setting}.",
            OptionsValidationException invalid => $"configuration: {string.Join(" ", invalid.Failures)}",
            InvalidOperationException when UnknownProvider(configuration) is { } provider => provider,
            // The configuration binder's own words name the key and the value.
            InvalidOperationException binder when binder.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal) =>
                $"configuration: {binder.Message}",
            _ when Find<AddressInUseException>(error) is not null =>
                $"HTTP listener at {BoundAddress(error, configuration)}: address already in use. Stop the other process or set ASPNETCORE_URLS (or --urls).",
            IOException io when io.Message.StartsWith("Failed to bind to address", StringComparison.Ordinal) =>
                $"HTTP listener at {BoundAddress(error, configuration)}: {Find<System.Net.Sockets.SocketException>(error)?.Message ?? io.Message}. Check ASPNETCORE_URLS (or --urls).",
            _ => $"{error.GetType().Name}: {error.Message}",
        };
        return NewLines().Replace(line, " ");
    }

    private static async Task<string> ReportAsync(IHost host, Exception exception)
    {
        var line = $"Start-up failed: {Describe(exception, host.Services.GetRequiredService<IConfiguration>())}";
        await Console.Error.WriteLineAsync(line);
        try
        {
            LogFailed(host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(Category), exception);
            // Disposing stops what did start and flushes the console log (with the trace above, at debug).
            await (host is IAsyncDisposable async ? async.DisposeAsync() : Dispose(host)).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception)
        {
            // The line above is the report; a host half started may not dispose cleanly, and the process ends anyway.
        }

        return line;
    }

    private static ValueTask Dispose(IHost host)
    {
        host.Dispose();
        return ValueTask.CompletedTask;
    }

    private static Exception Unwrap(Exception exception)
    {
        var error = exception;
        while (error is AggregateException { InnerExceptions.Count: 1 } or System.Reflection.TargetInvocationException && error.InnerException is { } inner)
        {
            error = inner;
        }

        return error;
    }

    /// <summary>A provider name that is none of <see cref="DatabaseProvider"/>'s: the binder then fails without naming the side.</summary>
    private static string? UnknownProvider(IConfiguration configuration)
    {
        foreach (var (key, name) in new[] { ("Source", "source"), ("Target", "target"), ("Control", "control") })
        {
            var value = configuration[$"{MigrationOptions.SectionName}:{key}:Provider"];
            if (!string.IsNullOrWhiteSpace(value) && !(Enum.TryParse<DatabaseProvider>(value, ignoreCase: true, out var provider) && Enum.IsDefined(provider)))
            {
                return $"{name} database: unknown provider '{value}'. Migration:{key}:Provider must be Sqlite or MySql.";
            }
        }

        return null;
    }

    private static string BoundAddress(Exception error, IConfiguration configuration)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            var match = BindAddress().Match(e.Message);
            if (match.Success)
            {
                return match.Groups[1].Value;
            }
        }

        return configuration["urls"] ?? "(the configured address)";
    }

    private static T? Find<T>(Exception error)
        where T : Exception
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        return null;
    }

    [GeneratedRegex(@"Failed to bind to address (\S+?):?\s")]
    private static partial Regex BindAddress();

    [GeneratedRegex(@"\s*[\r\n]+\s*")]
    private static partial Regex NewLines();

    [LoggerMessage(Level = LogLevel.Debug, Message = "Start-up failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    /// <summary>Hands out the container's loggers, with the host's "Hosting failed to start" error lowered to debug.</summary>
    private sealed class QuietStartFailureLoggerFactory(ILoggerFactory inner) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName)
        {
            var logger = inner.CreateLogger(categoryName);
            return categoryName == HostCategory ? new QuietStartFailureLogger(logger) : logger;
        }

        public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

        /// <summary>The inner factory belongs to the container.</summary>
        public void Dispose()
        {
        }
    }

    private sealed class QuietStartFailureLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var level = eventId.Id == HostStartupFaulted ? LogLevel.Debug : logLevel;
            if (inner.IsEnabled(level))
            {
                inner.Log(level, eventId, state, exception, formatter);
            }
        }
    }
}
