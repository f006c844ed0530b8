using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Migration.Application.Abstractions;
using Migration.Application.Patterns.Cutover;
using Migration.Application.Validation;
using Migration.Domain;
using Migration.Infrastructure.Data;
using Migration.Infrastructure.DoubleWrite;
using Migration.Infrastructure.Events;
using Migration.Infrastructure.Observability;
using Migration.Infrastructure.Kafka;
using Migration.Infrastructure.Options;
using Migration.Infrastructure.Outbox;
using Migration.Infrastructure.Patterns;
using Migration.Infrastructure.Repair;
using Migration.Infrastructure.Reports;
using Migration.Infrastructure.Schema;
using Migration.Infrastructure.Resilience;
using Migration.Infrastructure.State;
using Migration.Infrastructure.Validation;

namespace Migration.Infrastructure;

public static class DependencyInjection
{
    /// <summary>
    /// Registers the two sides, the validator, the pattern store, the double-write pool, the event path and the repair
    /// consumer from the <c>Migration</c> configuration section; invalid configuration stops the host at start with the
    /// key to fix.
    /// </summary>
    public static IServiceCollection AddInfrastructure(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(MigrationOptions.SectionName);
        services.AddOptions<MigrationOptions>().Bind(section).PostConfigure(options =>
        {
            BindTableNames(options, section);
            // Resolved once here, so the heartbeat and every metric carry the same id.
            options.InstanceId = string.IsNullOrWhiteSpace(options.InstanceId)
                ? $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..6]}"
                : options.InstanceId;
        }).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MigrationOptions>, MigrationOptionsValidator>();
        services.AddSingleton(TimeProvider.System);
        services.AddRetryPipelines();

        services.AddSingleton(sp => new DatabaseTimeoutTracker(
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            sp.GetRequiredService<IOptions<MigrationOptions>>().Value.InstanceId!));
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<MigrationOptions>>().Value;
            var root = Path.GetFullPath(options.DataDirectory, sp.GetRequiredService<IHostEnvironment>().ContentRootPath);
            var tracker = sp.GetRequiredService<DatabaseTimeoutTracker>();
            return new SideDatabases(
                Side(Direction.Src, options.Source, root, "source.db", tracker), Side(Direction.Dst, options.Target, root, "target.db", tracker));
        });
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<MigrationOptions>>().Value;
            var root = Path.GetFullPath(options.DataDirectory, sp.GetRequiredService<IHostEnvironment>().ContentRootPath);
            return Described("control", "Control", options.Control, root, "control.db", connectionString => new ControlDatabase(
                options.Control.Provider, connectionString, options.Control.ServerVersion,
                DatabaseTimeouts.From(options.Control), sp.GetRequiredService<DatabaseTimeoutTracker>()));
        });
        services.AddHostedService<DatabaseInitializer>();

        services.AddSingleton<SchemaCatalog>();
        services.AddSingleton<ITableCatalog>(sp => sp.GetRequiredService<SchemaCatalog>());

        // Validation's bulk reads get their own, longer command timeout (Migration:Validation:QueryTimeoutSeconds).
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<RowReader>(sp, sp.GetRequiredService<SideDatabases>()
            .WithCommandTimeout(sp.GetRequiredService<IOptions<MigrationOptions>>().Value.Validation.QueryTimeoutSeconds)));
        services.AddSingleton<ITableValidator, TableValidator>();
        services.AddSingleton<IRunCheckpointStore, EfRunCheckpointStore>();
        services.AddOptions<CutoverOptions>().Configure<IOptions<MigrationOptions>>((cutover, migration) =>
        {
            cutover.MaxLagMs = migration.Value.Cutover.MaxLagMs;
            cutover.QuietSeconds = migration.Value.Cutover.QuietSeconds;
        });
        services.AddOptions<RunOptions>().Configure<IOptions<MigrationOptions>>((run, migration) =>
        {
            run.CheckpointInterval = TimeSpan.FromMilliseconds(migration.Value.Validation.CheckpointIntervalMs);
            run.DefaultMaxRowsPerSecond = migration.Value.Validation.MaxRowsPerSecond;
            run.DefaultRepair = migration.Value.Repair.Enabled;
            run.ProgressInterval = TimeSpan.FromSeconds(migration.Value.Progress.IntervalSeconds);
        });
        services.AddSingleton<IValidateOptions<MigrationOptions>, ReportOptionsValidator>();
        services.AddSingleton<IRunHistory, EfRunHistory>();
        services.AddSingleton<IFixScriptWriter, FixScriptWriter>();

        // The pattern, shared by every instance through the control database, and this instance's heartbeat. The
        // refresher is registered after the initializer, so the control tables exist when it loads the pattern.
        services.AddSingleton<ControlPatternStore>();
        services.AddSingleton<IPatternStore>(sp => sp.GetRequiredService<ControlPatternStore>());
        services.AddSingleton<IInstanceRegistry>(sp => sp.GetRequiredService<ControlPatternStore>());
        services.AddHostedService<PatternRefreshWorker>();

        // The double-write pool: one open-generic repository for every entity mapped on the sides.
        services.AddSingleton<DoubleWriteMonitor>();
        services.AddSingleton<IDoubleWriteMonitor>(sp => sp.GetRequiredService<DoubleWriteMonitor>());
        services.AddSingleton<InFlightWrites>();
        services.AddSingleton<WriteFence>();
        services.AddSingleton<MigratedTables>();
        services.AddSingleton<DoubleWriter>();
        services.AddSingleton(typeof(IMigratedRepository<>), typeof(DoubleWriteRepository<>));

        // The write journal of each side, read by incremental runs (docs/journal.md).
        services.AddSingleton<Journal.WriteJournal>();
        services.AddSingleton<Journal.JournalCursorStore>();
        services.AddSingleton<Journal.JournalMonitor>();
        services.AddSingleton<IWriteJournalMonitor>(sp => sp.GetRequiredService<Journal.JournalMonitor>());
        services.AddSingleton<Journal.TriggerChangeCapture>();
        services.AddSingleton<IChangeCapture>(sp => sp.GetRequiredService<Journal.TriggerChangeCapture>());
        services.AddHostedService<Journal.JournalWorker>();
        services.AddSingleton<IMigratedUnitOfWorkFactory, DoubleWriteUnitOfWorkFactory>();

        AddEventPath(services);

        services.AddHealthChecks()
            .AddCheck<SideDatabasesHealthCheck>("databases", tags: [HealthTags.Ready])
            .AddCheck<ControlDatabaseHealthCheck>("control", tags: [HealthTags.Ready])
            .AddCheck<KafkaHealthCheck>("kafka", tags: [HealthTags.Ready]);
        services.AddSingleton<KafkaHealthCheck>(); // one admin client for every probe, disposed with the host
        services.AddSingleton(sp => new MigrationMetrics(
            sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), sp.GetRequiredService<IValidationScheduler>(),
            sp.GetRequiredService<IRepairMonitor>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IInstanceRegistry>().InstanceId,
            sp.GetRequiredService<IWriteJournalMonitor>()));
        return services;
    }

    /// <summary>
    /// Publisher → outbox → relay → transport → repair. Which transport and which workers do something is decided
    /// from the options when they start (<c>Migration:Kafka:BootstrapServers</c>, <c>Migration:Roles</c>); the others
    /// return at once.
    /// </summary>
    private static void AddEventPath(IServiceCollection services)
    {
        services.AddSingleton<RepairMonitor>();
        services.AddSingleton<IRepairMonitor>(sp => sp.GetRequiredService<RepairMonitor>());
        services.AddSingleton<RowRepairer>();
        services.AddSingleton<BatchRepairer>();
        services.AddSingleton<RepairBatchMetrics>();
        services.AddSingleton<IConflictStore, EfConflictStore>();
        services.AddSingleton<RepairHandler>();
        services.AddSingleton<EfDifferenceStore>();
        services.AddSingleton<IDifferenceStore>(sp => sp.GetRequiredService<EfDifferenceStore>());
        services.AddSingleton<EfDeadLetterStore>();
        services.AddSingleton<IDeadLetterStore>(sp => sp.GetRequiredService<EfDeadLetterStore>());

        services.AddSingleton<IValidateOptions<MigrationOptions>, KafkaOptionsValidator>();
        services.AddSingleton<OutboxSignal>();
        services.AddSingleton<OutboxMonitor>();
        services.AddSingleton<IOutboxMonitor>(sp => sp.GetRequiredService<OutboxMonitor>());
        services.AddSingleton<IRepairBacklog, RepairBacklogReader>();
        services.AddSingleton<IInconsistencyPublisher, OutboxInconsistencyPublisher>();
        services.AddSingleton<IEventTransport>(sp => sp.GetRequiredService<IOptions<MigrationOptions>>().Value.Kafka.Enabled
            ? ActivatorUtilities.CreateInstance<KafkaEventTransport>(sp)
            : ActivatorUtilities.CreateInstance<InProcessEventTransport>(sp));
        services.AddHostedService<OutboxRelayWorker>();

        services.AddSingleton<InProcessEventBus>();
        services.AddHostedService<InProcessRepairWorker>();

        services.AddSingleton<KafkaClients>();
        services.AddSingleton<KafkaDeadLetterSender>();
        services.AddSingleton<RepairConsumerMonitor>();
        services.AddSingleton<IRepairConsumerMonitor>(sp => sp.GetRequiredService<RepairConsumerMonitor>());
        services.AddHostedService<KafkaRepairWorker>();
        services.AddHostedService<Cutover.CutoverWatcher>();
    }

    /// <summary>
    /// An entry of <c>Migration:Tables</c> may be a plain name (<c>["orders", "*"]</c>) or an object; the list binder
    /// handles only objects (and drops the names, shifting the rest), so the list is read here, entry by entry.
    /// </summary>
    private static void BindTableNames(MigrationOptions options, IConfigurationSection section)
    {
        var entries = section.GetSection(nameof(MigrationOptions.Tables)).GetChildren()
            .OrderBy(c => int.TryParse(c.Key, out var i) ? i : int.MaxValue)
            .ToArray();
        if (entries.Length == 0)
        {
            return;
        }

        options.Tables = entries.Select(e =>
        {
            var entry = new TableOptions { Name = e.Value ?? "" };
            e.Bind(entry);
            return entry;
        }).ToList();
    }

    private static SideDatabase Side(Direction side, DatabaseOptions options, string dataDirectory, string fileName, DatabaseTimeoutTracker tracker) =>
        Described(DatabaseDiagnosis.Name(side), side == Direction.Src ? "Source" : "Target", options, dataDirectory, fileName, connectionString =>
            new SideDatabase(side, options.Provider, connectionString, options.ServerVersion, DatabaseTimeouts.From(options), tracker));

    /// <summary>
    /// Creates one database's accessor; an unreadable connection string or a data folder that cannot be made stops the
    /// start as a <see cref="DatabaseStartupException"/> naming the database.
    /// </summary>
    private static T Described<T>(
        string database, string key, DatabaseOptions options, string dataDirectory, string fileName, Func<string, T> create)
    {
        var configured = !string.IsNullOrWhiteSpace(options.ConnectionString);
        try
        {
            return create(ConnectionString(options, dataDirectory, fileName));
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or UnauthorizedAccessException)
        {
            var connectionString = configured ? options.ConnectionString! : $"Data Source={Path.Combine(dataDirectory, fileName)}";
            throw configured
                ? DatabaseDiagnosis.Describe(database, options.Provider, connectionString, $"Migration:{key}:ConnectionString", ex)
                : DatabaseDiagnosis.Describe(
                    database, options.Provider, connectionString, "Migration:DataDirectory", ex, $"cannot create the data folder {dataDirectory}");
        }
    }

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
