namespace Migration.WebApi.Security;

/// <summary>Hands out loggers that write what they would log as information at debug instead; other levels are kept.</summary>
internal sealed class DebugLevelLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new DebugLevelLogger(inner.CreateLogger(categoryName));

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    /// <summary>The inner factory belongs to the container.</summary>
    public void Dispose()
    {
    }

    private sealed class DebugLevelLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(Lower(logLevel));

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            inner.Log(Lower(logLevel), eventId, state, exception, formatter);

        private static LogLevel Lower(LogLevel level) => level == LogLevel.Information ? LogLevel.Debug : level;
    }
}
