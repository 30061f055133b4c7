using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GanService.Domain.Jobs;

public sealed partial class TrainingJob
{
    /// <summary>
    /// A storage or database fault outlasted the retries: the run goes back to the queue, saying what it waits for,
    /// and its job is scheduled after a pause that grows the longer it waits (<see cref="FaultSettings.PauseAfter"/>).
    /// It resumes from its committed checkpoint, so nothing trained since is kept but nothing committed is lost.
    /// Giving it back needs the database too; if that stays out of reach, the lease lapses and the orphan sweep of
    /// <see cref="RunRecoveryService"/> puts the run back on the queue once the database answers.
    /// </summary>
    private async Task PauseAsync(RunClaim claim, TransientFault fault)
    {
        try
        {
            var pause = faults.PauseAfter(claim.Run.WaitingSince, time.GetUtcNow().UtcDateTime);
            await Retry.RunAsync("giving the run back", async () =>
            {
                await using var scope = scopes.CreateAsyncScope();
                return await scope.ServiceProvider.GetRequiredService<RunLifecycle>().PauseAsync(claim, fault.WaitingReason, pause, CancellationToken.None);
            });
            logger.LogInformation("Run {RunId}: queued again, {Reason}", claim.RunId, fault.WaitingReason);
        }
        catch (Exception problem) when (TransientFaults.IsTransient(problem))
        {
            logger.LogError(problem, "Run {RunId}: could not give the run back ({Reason}); its lease will lapse", claim.RunId, fault.WaitingReason);
        }
    }
}
