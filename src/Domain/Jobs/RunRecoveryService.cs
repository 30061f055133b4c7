using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GanService.Domain.Jobs;

/// <summary>
/// On start-up of a process that serves the queue, puts a turn back on the queue for every run left queued or running
/// without a live lease (the in-memory queue of embedded mode forgets its jobs on restart). A duplicate turn is
/// harmless: the lease lets only one attempt train, and a turn that finds nothing to train ends at once. Afterwards it
/// sweeps now and then for runs left running a whole lease after their lease lapsed (a worker that lost the database
/// for longer than its lease could not give them back), through <see cref="RunLifecycle.RequeueAbandonedAsync"/>.
/// </summary>
public sealed class RunRecoveryService(IServiceScopeFactory scopes, SchedulingSettings scheduling, TimeProvider time, ILogger<RunRecoveryService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using (var scope = scopes.CreateAsyncScope())
        {
            var requeued = await scope.ServiceProvider.GetRequiredService<RunLifecycle>().RequeueOrphansAsync(stoppingToken);
            if (requeued > 0)
                logger.LogInformation("Requeued {Count} runs left queued or running", requeued);
        }
        var lease = TimeSpan.FromSeconds(scheduling.LeaseSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(lease > TimeSpan.FromSeconds(5) ? lease : TimeSpan.FromSeconds(5), time, stoppingToken);
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                foreach (var runId in await scope.ServiceProvider.GetRequiredService<RunLifecycle>().RequeueAbandonedAsync(lease, stoppingToken))
                    logger.LogWarning("Run {RunId}: left running without a lease; queued again", runId);
            }
            catch (Exception problem) when (TransientFaults.IsTransient(problem))
            {
                logger.LogWarning("Orphan sweep skipped: {Reason}", TransientFaults.Classify(problem)!.WaitingReason);
            }
        }
    }
}
