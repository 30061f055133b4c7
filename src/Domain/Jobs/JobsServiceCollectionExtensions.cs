using GanService.Domain.Gan;
using GanService.Domain.Gan.Data;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GanService.Domain.Jobs;

public static class JobsServiceCollectionExtensions
{
    /// <summary>
    /// Hangfire as the carrier of "train run X": in-memory storage in embedded mode (SQLite), Hangfire.PostgreSql in
    /// server mode. With <paramref name="serveQueue"/>, this process also trains: one worker per GPU, or one CPU trainer.
    /// </summary>
    private static readonly PostgreSqlStorageOptions PostgresOptions = new()
    {
        SchemaName = "hangfire",
        PrepareSchemaIfNecessary = true,
        // Without it a job that runs longer than the invisibility timeout is handed to a second worker. With it, a
        // live worker keeps its job invisible, and a killed worker's job comes back after this timeout (then the
        // run's lease decides who trains).
        UseSlidingInvisibilityTimeout = true,
        InvisibilityTimeout = TimeSpan.FromSeconds(30),
        // The default poll is 15 s; a 500 ms poll starts an idle worker in well under a second. Not long polling
        // (LISTEN/NOTIFY): its listener does not reconnect when its connection is dropped (Hangfire.PostgreSql
        // issue #410), and then jobs wait for the invisibility timeout; the test suite, which clears Npgsql's
        // pools between databases, hit exactly that.
        QueuePollInterval = TimeSpan.FromMilliseconds(500),
    };

    public static IServiceCollection AddGanServiceJobs(this IServiceCollection services, IConfiguration configuration, bool serveQueue)
    {
        var settings = GanServiceSettings.FromConfiguration(configuration);
        // Bound with IOptions and checked at start-up; consumers take the records themselves.
        services.AddValidatedSettings<SchedulingSettings>(configuration, "Scheduling", JobsSettingsRules.Scheduling);
        services.AddValidatedSettings<WorkerSettings>(configuration, "Worker", JobsSettingsRules.Worker);
        services.AddValidatedSettings<RetentionSettings>(configuration, "Retention", JobsSettingsRules.Retention);
        services.AddValidatedSettings<TrainingDataCacheSettings>(configuration, "TrainingDataCache", JobsSettingsRules.TrainingDataCache);
        services.AddValidatedSettings<FaultSettings>(configuration, "Faults", JobsSettingsRules.Faults);
        services.AddSingleton(TimeProvider.System);
        // One per process: the runs this process trains share prepared tensors (resume, preemption, fork, sweep).
        services.AddSingleton(provider => new TrainingDataCache(provider.GetRequiredService<TrainingDataCacheSettings>()));
        services.AddScoped<RunLifecycle>();
        services.AddTransient<TrainingJob>();

        // The storage is this host's own singleton rather than Hangfire's process-wide JobStorage.Current, so that
        // several hosts in one process (the tests) never hand jobs to each other.
        services.AddSingleton<JobStorage>(_ => settings.Database == DatabaseProvider.Postgres
            ? new PostgreSqlStorage(new NpgsqlConnectionFactory(settings.PostgresConnectionString!, PostgresOptions), PostgresOptions)
            : new Hangfire.InMemory.InMemoryStorage());
        services.AddHangfire((provider, hangfire) =>
        {
            hangfire
                .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
                .UseSimpleAssemblyNameTypeSerializer()
                .UseRecommendedSerializerSettings();
            // Hangfire's logging is process-wide; see HangfireLogRouter for why it is not simply this host's.
            HangfireLogRouter.Instance.Register(provider.GetRequiredService<ILoggerFactory>());
            hangfire.UseLogProvider(HangfireLogRouter.Instance);
        });

        if (serveQueue)
        {
            services.AddHangfireServer((provider, server) =>
            {
                // This host's container activates the jobs. Left unset, Hangfire falls back to its process-wide
                // JobActivator.Current, which the last host to configure Hangfire sets: with several hosts in one
                // process (the tests), a job then ran against another host's database, found no run and ended,
                // leaving its run queued for good.
                server.Activator = new Hangfire.AspNetCore.AspNetCoreJobActivator(provider.GetRequiredService<IServiceScopeFactory>());
                server.ServerName = TrainingJob.WorkerName;
                server.Queues = [WorkerSettings.TrainingQueue];
                server.WorkerCount = provider.GetRequiredService<WorkerSettings>().WorkerCount ?? Math.Max(1, GanDevice.CudaDeviceCount());
                // Enough for the job to write a checkpoint and give its run back.
                server.ShutdownTimeout = TimeSpan.FromMinutes(2);
                server.SchedulePollingInterval = TimeSpan.FromSeconds(1);
            });
            services.AddHostedService<RunRecoveryService>();
        }
        return services;
    }
}
