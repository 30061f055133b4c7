using GanService.Domain.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GanService.Domain.Jobs;

/// <summary>
/// On start-up of a process that serves the queue, puts a job back on the queue for every run left queued or running
/// without a live lease (the in-memory queue of embedded mode forgets its jobs on restart). A duplicate job is
/// harmless: the lease lets only one attempt train, and a job for a finished run ends at once. Afterwards it sweeps
/// for orphans now and then: a run still running a whole lease after its lease lapsed has no live worker (one that
/// lost the database for longer than its lease and could not give the run back); it is queued again.
/// </summary>
public sealed class RunRecoveryService(IServiceScopeFactory scopes, SchedulingSettings scheduling, TimeProvider time, ILogger<RunRecoveryService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using (var scope = scopes.CreateAsyncScope())
        {
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
        var lease = TimeSpan.FromSeconds(scheduling.LeaseSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(lease > TimeSpan.FromSeconds(5) ? lease : TimeSpan.FromSeconds(5), time, stoppingToken);
            try
            {
                await SweepOrphansAsync(lease, stoppingToken);
            }
            catch (Exception problem) when (TransientFaults.IsTransient(problem))
            {
                logger.LogWarning("Orphan sweep skipped: {Reason}", TransientFaults.Classify(problem)!.WaitingReason);
            }
        }
    }

    private async Task SweepOrphansAsync(TimeSpan lease, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GanDbContext>();
        var now = time.GetUtcNow().UtcDateTime;
        var cutoff = now - lease;
        var orphans = await db.Runs.AsNoTracking().Where(r => r.Status == RunStatus.Running && r.LeaseExpiresAt < cutoff)
            .Select(r => new { r.Id, r.Attempt }).ToListAsync(cancellationToken);
        foreach (var orphan in orphans)
        {
            // Queued first (compare-and-swap on the attempt), so that the next sweep does not queue it twice.
            var won = await db.Runs.Where(r => r.Id == orphan.Id && r.Attempt == orphan.Attempt && r.Status == RunStatus.Running && r.LeaseExpiresAt < cutoff)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Queued).SetProperty(r => r.QueuedAt, now)
                    .SetProperty(r => r.LeaseOwner, (string?)null).SetProperty(r => r.LeaseExpiresAt, (DateTime?)null).SetProperty(r => r.UpdatedAt, now), cancellationToken);
            if (won != 1) continue;
            await scope.ServiceProvider.GetRequiredService<RunScheduler>().EnqueueAsync(orphan.Id, cancellationToken);
            logger.LogWarning("Run {RunId}: attempt {Attempt} left it running without a lease; queued again", orphan.Id, orphan.Attempt);
        }
    }
}
