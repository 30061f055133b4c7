using GanService.Domain.Data;
using GanService.Domain.Gan;
using GanService.Domain.Gan.Data;
using GanService.Domain.Gan.Training;
using GanService.Domain.Imaging;
using GanService.Domain.Storage;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GanService.Domain.Jobs;

/// <summary>
/// The Hangfire job "train run X". Jobs are at-least-once, so this is reentrant: it claims the run with a database
/// lease and a fencing token (<see cref="Run.Attempt"/>), resumes from the committed checkpoint, renews the lease while
/// training and stops at once when a renewal fails. Every write to the run is fenced by the attempt, so a worker that
/// lost its lease (paused, partitioned, or replaced after a crash) can change nothing. Checkpoints go under immutable
/// keys before the pointer to them is committed.
/// </summary>
public sealed partial class TrainingJob(
    IServiceScopeFactory scopes,
    IBlobStore blobs,
    SchedulingSettings scheduling,
    TrainingDataCache dataCache,
    RetentionSettings retention,
    FaultSettings faults,
    TimeProvider time,
    ILogger<TrainingJob> logger)
{
    /// <summary>Names this process in leases, for people reading the run row.</summary>
    public static readonly string WorkerName = $"{Environment.MachineName}:{Environment.ProcessId}";

    private TimeSpan Lease => TimeSpan.FromSeconds(scheduling.LeaseSeconds);

    /// <summary>Storage and database faults are tried again for a while before the run is paused (<see cref="TransientRetry"/>).</summary>
    private TransientRetry Retry => field ??= new TransientRetry(faults, time, logger);

    /// <summary>The blobs as training reads and writes them: through <see cref="Retry"/>.</summary>
    private IBlobStore Storage => field ??= new RetryingBlobStore(blobs, Retry);

    // The database lease decides what runs, not Hangfire's retries: a failed attempt marks the run failed itself.
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    [JobDisplayName("trainer turn (queued for run {0})")]
    // The queue is named here too: a scheduled turn (a paused run's) is enqueued by Hangfire later, and only this
    // filter puts it on the training queue on every storage (Hangfire.PostgreSql ignores a scheduled job's own queue).
    [Queue(WorkerSettings.TrainingQueue)]
    public async Task RunAsync(Guid runId, CancellationToken cancellationToken)
    {
        var claim = await Retry.RunAsync("claiming the run", () => ClaimAsync(runId, cancellationToken), cancellationToken);
        if (claim is null) return;
        logger.LogInformation("Run {RunId}: attempt {Attempt} claimed by {Worker}", runId, claim.Attempt, WorkerName);
        using var lease = new LeaseKeeper(scopes, time, Lease, logger, claim);
        try
        {
            await TrainAsync(claim, lease, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw; // shutdown: TrainAsync checkpointed and gave the run back
        }
        catch (LeaseLostException)
        {
            logger.LogWarning("Run {RunId}: attempt {Attempt} lost its lease; stopped without writing", runId, claim.Attempt);
        }
        catch (Exception problem) when (TransientFaults.Classify(problem) is { } fault)
        {
            logger.LogWarning(problem, "Run {RunId}: attempt {Attempt} paused: {Reason}", runId, claim.Attempt, fault.WaitingReason);
            await PauseAsync(claim, fault);
        }
        catch (Exception problem) when (problem is not OutOfMemoryException)
        {
            logger.LogError(problem, "Run {RunId}: attempt {Attempt} failed", runId, claim.Attempt);
            await FinishAsync(claim, RunTransition.Fail, $"Training failed: {problem.Message}", CancellationToken.None);
        }
        finally
        {
            await lease.StopAsync();
            await RemoveBlobsOfDeletedRunAsync(runId);
        }
    }

    /// <summary>
    /// A run deleted while training: the API removed its blobs, but this job may have written one more (a sample or a
    /// checkpoint goes to storage before its fenced row write fails). The job's last word removes them.
    /// </summary>
    private async Task RemoveBlobsOfDeletedRunAsync(Guid runId)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<GanDbContext>();
            if (!await db.Runs.AnyAsync(r => r.Id == runId))
                await blobs.DeletePrefixAsync(RunBlobKeys.Prefix(runId), CancellationToken.None);
        }
        catch (Exception problem) when (problem is not OutOfMemoryException)
        {
            logger.LogWarning(problem, "Run {RunId}: could not check for blobs of a deleted run", runId);
        }
    }

    private async Task<RunClaim?> ClaimAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<RunLifecycle>().ClaimAsync(runId, WorkerName, Lease, cancellationToken);
    }

    private async Task TrainAsync(RunClaim claim, LeaseKeeper lease, CancellationToken cancellationToken)
    {
        var runId = claim.RunId;
        var config = GanTrainer.ReadConfig(claim.Run.ConfigJson);
        using var deviceLease = GanDevice.Acquire();
        using var data = await LoadDataAsync(claim.Run.DatasetId, config, deviceLease.Device, cancellationToken);
        using var resume = await ResumeCheckpoints.LoadAsync(scopes, Storage, claim, logger, cancellationToken);
        var trainerOptions = new GanTrainerOptions { LogEvery = 10, Threads = config.Threads == 0 ? null : config.Threads };
        BestCheckpoint best;
        await using (var scope = scopes.CreateAsyncScope())
            best = await BestCheckpointStore.LoadAsync(scope.ServiceProvider.GetRequiredService<GanDbContext>(), runId,
                resume?.Iteration ?? 0, trainerOptions.Diagnostics, cancellationToken);
        var options = new TrainingSessionOptions { Trainer = trainerOptions, SecondsBefore = claim.Run.SecondsTrained, Best = best };
        using var session = new TrainingSession(config, data.Data, deviceLease.Device, resume?.Stream, options);
        var trainer = session.Trainer;

        // The rows past the checkpoint belong to a lost attempt; the replay writes them again. The resolved config
        // (threads picked on the first attempt) is recorded so that a resume keeps the thread count, and with it
        // bit-exact results on the CPU.
        var resumedAt = trainer.Iteration;
        await Retry.RunAsync("starting to train", () => RunFence.WriteAsync(scopes, claim, async db =>
        {
            await db.RunMetrics.Where(m => m.RunId == runId && m.Iteration > resumedAt).ExecuteDeleteAsync(cancellationToken);
            await db.RunSamples.Where(s => s.RunId == runId && s.Iteration > resumedAt).ExecuteDeleteAsync(cancellationToken);
            return await db.Runs.Where(r => r.Id == runId && r.Attempt == claim.Attempt)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.ConfigJson, trainer.ConfigJson).SetProperty(r => r.Iteration, resumedAt)
                    .SetProperty(r => r.WaitingReason, (string?)null).SetProperty(r => r.WaitingSince, (DateTime?)null), cancellationToken); // it trains again
        }, cancellationToken), cancellationToken);
        logger.LogInformation("Run {RunId}: training {Images} images ({Cache}) from iteration {Iteration} to {Total}",
            runId, data.Data.Count, data.Hit ? "prepared data cached" : "prepared now", resumedAt, config.Iterations);

        var sink = new RunTrainingSink(scopes, Storage, Retry, scheduling, time, claim, lease, session, retention, cancellationToken);
        var outcome = await session.RunAsync(sink);
        await EndAsync(claim, lease, session, sink, outcome);
    }

    /// <summary>What the run becomes after its session stopped: the job's policy for each stop.</summary>
    private async Task EndAsync(RunClaim claim, LeaseKeeper lease, TrainingSession session, RunTrainingSink sink, TrainingOutcome outcome)
    {
        var stop = outcome.Stop;
        if (stop == RunTrainingSink.LeaseLost && lease.Unreachable is { } fault)
        {
            // Not taken by another attempt: the database was out of reach for longer than the lease.
            await PauseAsync(claim, fault);
            return;
        }
        if (stop == RunTrainingSink.LeaseLost)
        {
            logger.LogWarning("Run {RunId}: lease of attempt {Attempt} lost; stopping without writing", claim.RunId, claim.Attempt);
            return;
        }
        await sink.FlushAsync(final: true);
        var token = sink.Token;
        if (stop == RunTrainingSink.Shutdown)
        {
            await YieldAsync(claim, newTurn: false, token);
            throw new OperationCanceledException("the worker is shutting down; the run is checkpointed and queued again");
        }
        if (stop == RunTrainingSink.Preempted)
        {
            await YieldAsync(claim, newTurn: true, token);
            logger.LogInformation("Run {RunId}: time slice used at iteration {Iteration}; requeued", claim.RunId, outcome.Iteration);
            return;
        }
        var (end, error) = stop == RunTrainingSink.Cancelled ? (RunTransition.Cancel, (string?)null)
            : stop == RunTrainingSink.MaxRuntime ? (RunTransition.Fail, $"Stopped after the maximum runtime of {scheduling.MaxRunMinutes:0.#} minutes. Its checkpoints are kept: fork it to continue.")
            : stop == TrainingStop.Diagnosis ? (RunTransition.Fail, DiagnosisError(session.Trainer))
            : (RunTransition.Complete, null);
        await FinishAsync(claim, end, error, token);
        if (end == RunTransition.Complete)
            logger.LogInformation("Run {RunId}: completed at iteration {Iteration}", claim.RunId, outcome.Iteration);
    }

    /// <summary>Divergence: the weights are not worth a checkpoint; the last good one stays the pointer.</summary>
    private static string DiagnosisError(GanTrainer trainer) =>
        trainer.Diagnoses.LastOrDefault(d => d.StopTraining) is { } reason ? $"{reason.Message} {reason.Suggestion}" : "Training stopped by a diagnosis.";

    /// <summary>The prepared tensor from this process's cache, or read, decoded and cleaned from the dataset's blobs.</summary>
    private async Task<TrainingDataLease> LoadDataAsync(Guid datasetId, GanConfig config, TorchSharp.torch.Device device, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GanDbContext>();
        var (from, before) = (config.TakenFrom, config.TakenBefore);
        var rows = await db.DatasetImages.AsNoTracking().Where(i => i.DatasetId == datasetId && !i.Excluded)
            .Where(i => from == null || i.TakenAt >= from).Where(i => before == null || i.TakenAt < before)
            .OrderBy(i => i.Ordinal).Select(i => new { i.BlobKey, i.PixelHash, i.Tags, i.Label }).ToListAsync(cancellationToken);
        // The stored PNG holds exactly the pixels its hash is of, so the hashes name the content.
        var key = TrainingDataKey.For(rows.Select(r => new TrainingSource(r.PixelHash, r.Tags, r.Label)), config);
        return await dataCache.GetOrBuildAsync(key, async () =>
        {
            var images = new List<TrainingImage>(rows.Count);
            foreach (var row in rows)
            {
                var bytes = await Storage.ReadAllBytesAsync(row.BlobKey, cancellationToken)
                    ?? throw new InvalidOperationException($"image {row.BlobKey} is missing from storage");
                images.Add(new TrainingImage(PixelImage.Decode(bytes, config.Channels), row.Tags, row.Label));
            }
            return TrainingData.Build(images, config);
        }, device);
    }

    private async Task FinishAsync(RunClaim claim, RunTransition end, string? error, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<RunLifecycle>().EndAsync(claim, end, error, cancellationToken);
    }

    private async Task YieldAsync(RunClaim claim, bool newTurn, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<RunLifecycle>().YieldAsync(claim, newTurn, cancellationToken);
    }
}
