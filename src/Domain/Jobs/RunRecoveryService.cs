using GanService.Domain.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GanService.Domain.Jobs;

/// <summary>
/// On start-up of a process that serves the queue, puts a job back on the queue for every run left queued or running
/// without a live lease (the in-memory queue of embedded mode forgets its jobs on restart). A duplicate job is
/// harmless: the lease lets only one attempt train, and a job for a finished run ends at once.
/// </summary>
public sealed class RunRecoveryService(IServiceScopeFactory scopes, TimeProvider time, ILogger<RunRecoveryService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GanDbContext>();
        var scheduler = scope.ServiceProvider.GetRequiredService<RunScheduler>();
        var now = time.GetUtcNow().UtcDateTime;
        var orphans = await db.Runs
            .Where(r => (r.Status == RunStatus.Queued || r.Status == RunStatus.Running) && (r.LeaseExpiresAt == null || r.LeaseExpiresAt < now))
            .OrderBy(r => r.QueuedAt).Select(r => r.Id).ToListAsync(stoppingToken);
        foreach (var runId in orphans)
            await scheduler.EnqueueAsync(runId, stoppingToken);
        if (orphans.Count > 0)
            logger.LogInformation("Requeued {Count} runs left queued or running", orphans.Count);
        await scheduler.PromotePendingAsync(stoppingToken);
    }
}
