using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Migration.Application.Abstractions;
using Migration.Application.Validation;
using Migration.Domain;
using Migration.Infrastructure.Data;
using Migration.Infrastructure.Events;
using Migration.Infrastructure.Observability;
using Migration.Infrastructure.Options;
using Migration.Infrastructure.Patterns;
using Migration.Infrastructure.Repair;
using Migration.Infrastructure.State;
using Migration.Infrastructure.Validation;

namespace Migration.Infrastructure;

public static class DependencyInjection
{
    /// <summary>
    /// Registers the two sides, the validator, the event path and the repair consumer from the <c>Migration</c>
    /// configuration section; invalid configuration stops the host at start with the key to fix.
    /// </summary>
    public static IServiceCollection AddInfrastructure(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MigrationOptions>().Bind(configuration.GetSection(MigrationOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MigrationOptions>, MigrationOptionsValidator>();
        services.AddSingleton(TimeProvider.System);

        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<MigrationOptions>>().Value;
            var root = Path.GetFullPath(options.DataDirectory, sp.GetRequiredService<IHostEnvironment>().ContentRootPath);
            return new SideDatabases(Side(Direction.Src, options.Source, root, "source.db"), Side(Direction.Dst, options.Target, root, "target.db"));
        });
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<MigrationOptions>>().Value;
            var root = Path.GetFullPath(options.DataDirectory, sp.GetRequiredService<IHostEnvironment>().ContentRootPath);
            return new ControlDatabase(options.Control.Provider, ConnectionString(options.Control, root, "control.db"), options.Control.ServerVersion);
        });
        services.AddHostedService<DatabaseInitializer>();

        services.AddSingleton<TableReader>();
        services.AddSingleton<ITableValidator, TableValidator>();
        services.AddSingleton<IPatternStore, InMemoryPatternStore>();
        services.AddSingleton<IRunCheckpointStore, EfRunCheckpointStore>();
        services.AddOptions<RunOptions>().Configure<IOptions<MigrationOptions>>((run, migration) =>
        {
            run.CheckpointInterval = TimeSpan.FromMilliseconds(migration.Value.Validation.CheckpointIntervalMs);
            run.DefaultMaxRowsPerSecond = migration.Value.Validation.MaxRowsPerSecond;
        });

        services.AddSingleton<RepairMonitor>();
        services.AddSingleton<IRepairMonitor>(sp => sp.GetRequiredService<RepairMonitor>());
        services.AddSingleton<RowRepairer>();
        services.AddSingleton<RepairHandler>();
        services.AddSingleton<InProcessEventBus>();
        services.AddSingleton<IInconsistencyPublisher, InProcessInconsistencyPublisher>();
        services.AddHostedService<InProcessRepairWorker>();

        services.AddHealthChecks().AddCheck<SideDatabasesHealthCheck>("databases");
        services.AddSingleton(sp => new MigrationMetrics(
            sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), sp.GetRequiredService<IValidationScheduler>(),
            sp.GetRequiredService<IRepairMonitor>(), sp.GetRequiredService<TimeProvider>()));
        return services;
    }

    private static SideDatabase Side(Direction side, DatabaseOptions options, string dataDirectory, string fileName) =>
        new(side, options.Provider, ConnectionString(options, dataDirectory, fileName), options.ServerVersion);

    /// <summary>The configured connection string, or a SQLite file in the data folder.</summary>
    private static string ConnectionString(DatabaseOptions options, string dataDirectory, string fileName)
    {
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return options.ConnectionString;
        }

        Directory.CreateDirectory(dataDirectory);
        return $"Data Source={Path.Combine(dataDirectory, fileName)}";
    }
}
