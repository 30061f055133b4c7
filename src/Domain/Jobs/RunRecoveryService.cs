using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GanService.Domain.Jobs;

/// <summary>
/// On start-up of a process that serves the queue, puts a job back on the queue for every run left queued or running
/// without a live lease (the in-memory queue of embedded mode forgets its jobs on restart). A duplicate job is
/// harmless: the lease lets only one attempt train, and a job for a finished run ends at once.
/// </summary>
public sealed class RunRecoveryService(IServiceScopeFactory scopes, ILogger<RunRecoveryService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var requeued = await scope.ServiceProvider.GetRequiredService<RunLifecycle>().RequeueOrphansAsync(stoppingToken);
        if (requeued > 0)
            logger.LogInformation("Requeued {Count} runs left queued or running", requeued);
    }
}
