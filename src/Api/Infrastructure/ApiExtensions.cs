using GanService.Api.Auth;
using GanService.Api.Generation;
using GanService.Domain;
using GanService.Domain.Data;
using GanService.Domain.Jobs;
using Hangfire;
using GanService.Domain.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;
using Prometheus;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GanService.Api.Infrastructure;

public static class ApiExtensions
{
    private const string DefaultUrl = "http://localhost:5080";

    public static WebApplicationBuilder AddGanServiceApi(this WebApplicationBuilder builder)
    {
        // --urls and ASPNETCORE_URLS still win; without them the service listens where the README says.
        if (string.IsNullOrEmpty(builder.Configuration["urls"])) builder.WebHost.UseUrls(DefaultUrl);

        var services = builder.Services;
        services.AddGanServiceDomain(builder.Configuration);
        // Embedded mode trains in this process; server mode (Worker__InProcess=false) leaves that to src/Worker.
        // Read at once (it decides what is registered), with the same rules as the worker's start-up check.
        var worker = ValidatedSettings.Read<WorkerSettings>(builder.Configuration, "Worker", JobsSettingsRules.Worker);
        services.AddGanServiceJobs(builder.Configuration, serveQueue: worker.InProcess);
        // Blobs no committed dataset or run owns (an upload killed mid-way), at start-up and on a timer.
        services.AddOrphanBlobCleanup(builder.Configuration);

        services.AddValidatedSettings<UploadSettings>(builder.Configuration, "Uploads", UploadSettings.Problems);
        services.AddOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>()
            .Configure<UploadSettings>((kestrel, uploads) => kestrel.Limits.MaxRequestBodySize = uploads.MaxRequestBytes);
        services.AddOptions<FormOptions>().Configure<UploadSettings>((form, uploads) =>
        {
            form.MultipartBodyLengthLimit = uploads.MaxRequestBytes;
            form.ValueCountLimit = 64;
        });

        // Images on demand: loaded generators are shared by all requests of this process.
        services.AddValidatedSettings<GenerationSettings>(builder.Configuration, "Generation", GenerationSettings.Problems);
        services.AddSingleton<GeneratorCache>();

        // Live events: one database poll for all subscribers of all runs.
        services.AddSingleton<GanService.Api.Events.RunEventsHub>();
        services.AddHostedService(provider => provider.GetRequiredService<GanService.Api.Events.RunEventsHub>());

        services.AddProblemDetails();
        services.AddExceptionHandler<ProblemExceptionHandler>();

        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(Roles.Admin, policy => policy.RequireRole(Roles.Admin));

        services.AddHealthChecks()
            .AddDbContextCheck<GanDbContext>("database", tags: ["ready"])
            // A store that does not answer is not ready: the S3 client's own retries must not hold the probe for long.
            .AddCheck<BlobStoreHealthCheck>("storage", failureStatus: null, tags: ["ready"], timeout: TimeSpan.FromSeconds(5));

        services.AddGanServiceOpenApi();
        services.AddStudio(builder.Configuration);
        services.AddGanServiceRateLimits(builder.Configuration);
        return builder;
    }

    /// Brings the database to the current schema and makes sure an admin exists.
    public static async Task InitializeGanServiceAsync(this WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GanDbContext>();
        await DatabaseSchema.EnsureCurrentAsync(db);
        // With SQLite's default rollback journal a commit (a training run's progress, metrics) and reads shut each other
        // out, and Microsoft.Data.Sqlite waits out a busy database with Thread.Sleep(150) on a pool thread. In WAL mode
        // readers and the writer do not wait for each other. The mode is kept in the file, so setting it once here covers every connection.
        if (db.Database.IsSqlite()) await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        await AdminBootstrap.EnsureAdminAsync(db, app.Services.GetRequiredService<GanServiceSettings>(),
            app.Configuration, app.Logger);
    }

    public static WebApplication UseGanServiceApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseStudio();
        app.UseJsonBodyLimit();
        app.UseHttpMetrics();
        app.UseAuthentication();
        app.UseKeyScopes();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseGanServiceOpenApi();
        // The queue's dashboard, for admins only (our API key auth, not Hangfire's local-requests-only default).
        app.MapHangfireDashboard("/hangfire", new DashboardOptions { Authorization = [], DashboardTitle = "GanService queue", DisplayStorageConnectionString = false })
            .RequireAuthorization(Roles.Admin);
        return app;
    }

}

internal sealed class BlobStoreHealthCheck(IBlobStore blobs) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await blobs.CheckAvailableAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception exception)
        {
            return HealthCheckResult.Unhealthy("The blob store cannot be reached.", exception);
        }
    }
}
