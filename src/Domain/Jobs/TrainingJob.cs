using System.Diagnostics;
using System.Text.Json;
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
public sealed class TrainingJob(
    IServiceScopeFactory scopes,
    IBlobStore blobs,
    SchedulingSettings scheduling,
    TimeProvider time,
    ILogger<TrainingJob> logger)
{
    /// <summary>Names this process in leases, for people reading the run row.</summary>
    public static readonly string WorkerName = $"{Environment.MachineName}:{Environment.ProcessId}";

    private TimeSpan Lease => TimeSpan.FromSeconds(scheduling.LeaseSeconds);

    // For the nested helpers below.
    private IServiceScopeFactory Scopes => scopes;
    private TimeProvider Time => time;
    private ILogger Logger => logger;

    // The database lease decides what runs, not Hangfire's retries: a failed attempt marks the run failed itself.
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    [JobDisplayName("train run {0}")]
    public async Task RunAsync(Guid runId, CancellationToken cancellationToken)
    {
        var claim = await ClaimAsync(runId, cancellationToken);
        if (claim is null) return;
        logger.LogInformation("Run {RunId}: attempt {Attempt} claimed by {Worker}", runId, claim.Attempt, WorkerName);
        using var lease = new LeaseKeeper(this, claim);
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
        catch (Exception problem) when (problem is not OutOfMemoryException)
        {
            logger.LogError(problem, "Run {RunId}: attempt {Attempt} failed", runId, claim.Attempt);
            await FinishAsync(claim, RunStatus.Failed, $"Training failed: {problem.Message}", CancellationToken.None);
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

    private sealed record Claim(Guid RunId, int Attempt, Run Run);

    /// <summary>
    /// Takes the lease when it is free or lapsed (compare-and-swap on the attempt). A live lease is waited out, since
    /// its holder may have just died; a lease still live after one and a half lengths has been renewed, so another
    /// worker is training and this duplicate job ends rather than hold this worker.
    /// </summary>
    private async Task<Claim?> ClaimAsync(Guid runId, CancellationToken cancellationToken)
    {
        var waitedSince = time.GetUtcNow();
        while (true)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<GanDbContext>();
            var run = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runId, cancellationToken);
            if (run is null || run.Status is not (RunStatus.Queued or RunStatus.Running)) return null;
            var now = time.GetUtcNow().UtcDateTime;
            if (run.LeaseExpiresAt is { } until && until > now)
            {
                if (time.GetUtcNow() - waitedSince > 1.5 * Lease) return null;
                var wait = until - now + TimeSpan.FromMilliseconds(200);
                await Task.Delay(wait < TimeSpan.FromSeconds(5) ? wait : TimeSpan.FromSeconds(5), time, cancellationToken);
                continue;
            }
            var attempt = run.Attempt + 1;
            var expires = now + Lease;
            var claimed = await db.Runs
                .Where(r => r.Id == runId && r.Attempt == run.Attempt && (r.Status == RunStatus.Queued || r.Status == RunStatus.Running))
                .ExecuteUpdateAsync(s => s
                    .SetProperty(r => r.Attempt, attempt)
                    .SetProperty(r => r.LeaseOwner, WorkerName)
                    .SetProperty(r => r.LeaseExpiresAt, expires)
                    .SetProperty(r => r.Status, RunStatus.Running)
                    .SetProperty(r => r.StartedAt, r => r.StartedAt ?? now)
                    .SetProperty(r => r.UpdatedAt, now), cancellationToken);
            if (claimed == 1) return new Claim(runId, attempt, run);
        }
    }

    private async Task TrainAsync(Claim claim, LeaseKeeper lease, CancellationToken cancellationToken)
    {
        var runId = claim.RunId;
        var config = GanTrainer.ReadConfig(claim.Run.ConfigJson);
        using var deviceLease = GanDevice.Acquire();
        var device = deviceLease.Device;
        var images = await LoadImagesAsync(claim.Run.DatasetId, config.Channels, cancellationToken);
        using var data = TrainingData.Build(images, config, device);

        var options = new GanTrainerOptions { LogEvery = 10, Threads = config.Threads == 0 ? null : config.Threads };
        using var trainer = new GanTrainer(config, data, device, options);
        if (claim.Run.CheckpointKey is { } key)
        {
            await using var stream = await blobs.OpenReadAsync(key, cancellationToken)
                ?? throw new InvalidOperationException($"checkpoint {key} is missing from storage");
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, cancellationToken);
            buffer.Position = 0;
            trainer.LoadCheckpoint(buffer);
        }

        // The rows past the checkpoint belong to a lost attempt; the replay writes them again. The resolved config
        // (threads picked on the first attempt) is recorded so that a resume keeps the thread count, and with it
        // bit-exact results on the CPU.
        var resumedAt = trainer.Iteration;
        await FencedAsync(claim, async db =>
        {
            await db.RunMetrics.Where(m => m.RunId == runId && m.Iteration > resumedAt).ExecuteDeleteAsync(cancellationToken);
            await db.RunSamples.Where(s => s.RunId == runId && s.Iteration > resumedAt).ExecuteDeleteAsync(cancellationToken);
            return await db.Runs.Where(r => r.Id == runId && r.Attempt == claim.Attempt)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.ConfigJson, trainer.ConfigJson).SetProperty(r => r.Iteration, resumedAt), cancellationToken);
        }, cancellationToken);
        logger.LogInformation("Run {RunId}: training {Images} images from iteration {Iteration} to {Total}", runId, data.Count, resumedAt, config.Iterations);

        var progress = new ProgressWriter(claim, trainer, claim.Run.SecondsTrained);
        var sliceStart = Stopwatch.StartNew();
        var sinceProgress = Stopwatch.StartNew();
        var sinceSliceCheck = Stopwatch.StartNew();
        while (trainer.Iteration < config.Iterations)
        {
            if (lease.Lost) { logger.LogWarning("Run {RunId}: lease of attempt {Attempt} lost; stopping without writing", runId, claim.Attempt); return; }
            if (lease.CancelRequested)
            {
                await progress.FlushAsync(this, cancellationToken);
                await FinishAsync(claim, RunStatus.Cancelled, null, cancellationToken);
                return;
            }
            if (cancellationToken.IsCancellationRequested)
            {
                // Graceful shutdown: checkpoint, then give the run back to the queue for another worker (or this one restarted).
                await CheckpointAsync(claim, trainer, CancellationToken.None);
                await progress.FlushAsync(this, CancellationToken.None);
                await ReleaseAsync(claim, RunStatus.Queued, requeue: false, CancellationToken.None);
                cancellationToken.ThrowIfCancellationRequested();
            }
            if (progress.SecondsTrained > scheduling.MaxRunMinutes * 60)
            {
                await CheckpointAsync(claim, trainer, cancellationToken);
                await progress.FlushAsync(this, cancellationToken);
                await FinishAsync(claim, RunStatus.Failed, $"Stopped after the maximum runtime of {scheduling.MaxRunMinutes:0.#} minutes. Its checkpoints are kept: fork it to continue.", cancellationToken);
                return;
            }
            if (scheduling.TimeSliceMinutes is { } slice && sliceStart.Elapsed.TotalMinutes >= slice && sinceSliceCheck.Elapsed.TotalSeconds >= 1
                && await OthersWaitAsync(claim, sinceSliceCheck, cancellationToken))
            {
                // Preemption at a checkpoint boundary: the run goes to the back of the queue, behind the runs that waited.
                await CheckpointAsync(claim, trainer, cancellationToken);
                await progress.FlushAsync(this, cancellationToken);
                await ReleaseAsync(claim, RunStatus.Queued, requeue: true, cancellationToken);
                logger.LogInformation("Run {RunId}: time slice used at iteration {Iteration}; requeued", runId, trainer.Iteration);
                return;
            }
            if (trainer.Stopped)
            {
                // Divergence: the weights are not worth a checkpoint; the last good one stays the pointer.
                var reason = trainer.Diagnoses.LastOrDefault(d => d.StopTraining);
                await progress.FlushAsync(this, cancellationToken);
                await FinishAsync(claim, RunStatus.Failed, reason is null ? "Training stopped by a diagnosis." : $"{reason.Message} {reason.Suggestion}", cancellationToken);
                return;
            }

            if (trainer.Step())
                progress.Logged();
            var iteration = trainer.Iteration;
            if (config.SampleEvery > 0 && iteration % config.SampleEvery == 0)
                await WriteSampleAsync(claim, trainer, cancellationToken);
            if (config.EvaluateEvery > 0 && iteration % config.EvaluateEvery == 0)
                progress.Evaluated(trainer.Evaluate());
            if (config.CheckpointEvery > 0 && iteration % config.CheckpointEvery == 0)
            {
                await progress.FlushAsync(this, cancellationToken);
                await CheckpointAsync(claim, trainer, cancellationToken);
            }
            if (sinceProgress.Elapsed.TotalSeconds >= scheduling.ProgressSeconds)
            {
                await progress.FlushAsync(this, cancellationToken);
                sinceProgress.Restart();
            }
        }

        if (trainer.LatestProgress?.Iteration != trainer.Iteration)
        {
            trainer.Log(); // the averages since the last logging interval
            progress.Logged();
        }
        await WriteSampleAsync(claim, trainer, cancellationToken);
        progress.Evaluated(trainer.Evaluate());
        await progress.FlushAsync(this, cancellationToken);
        await CheckpointAsync(claim, trainer, cancellationToken);
        await FinishAsync(claim, RunStatus.Completed, null, cancellationToken);
        logger.LogInformation("Run {RunId}: completed at iteration {Iteration}", runId, trainer.Iteration);
    }

    private async Task<List<TrainingImage>> LoadImagesAsync(Guid datasetId, int channels, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GanDbContext>();
        var rows = await db.DatasetImages.AsNoTracking().Where(i => i.DatasetId == datasetId && !i.Excluded)
            .OrderBy(i => i.Ordinal).Select(i => new { i.BlobKey, i.Tags, i.Label }).ToListAsync(cancellationToken);
        var images = new List<TrainingImage>(rows.Count);
        foreach (var row in rows)
        {
            var bytes = await blobs.ReadAllBytesAsync(row.BlobKey, cancellationToken)
                ?? throw new InvalidOperationException($"image {row.BlobKey} is missing from storage");
            images.Add(new TrainingImage(PixelImage.Decode(bytes, channels), row.Tags, row.Label));
        }
        return images;
    }

    private async Task<bool> OthersWaitAsync(Claim claim, Stopwatch sinceCheck, CancellationToken cancellationToken)
    {
        sinceCheck.Restart(); // asked at most once a second
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GanDbContext>();
        var owner = claim.Run.OwnerId;
        return await db.Runs.AnyAsync(r => r.OwnerId != owner && r.Status == RunStatus.Queued, cancellationToken);
    }

    /// <summary>The blob under its immutable key first (kept when a replay finds it committed), then the fenced pointer.</summary>
    private async Task CheckpointAsync(Claim claim, GanTrainer trainer, CancellationToken cancellationToken)
    {
        var iteration = trainer.Iteration;
        var key = RunBlobKeys.Checkpoint(claim.RunId, iteration);
        long size;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<GanDbContext>();
            size = await db.RunCheckpoints.Where(c => c.RunId == claim.RunId && c.Iteration == iteration).Select(c => (long?)c.SizeBytes).FirstOrDefaultAsync(cancellationToken) ?? -1;
        }
        if (size < 0)
        {
            using var buffer = new MemoryStream();
            trainer.SaveCheckpoint(buffer);
            size = buffer.Length;
            buffer.Position = 0;
            await blobs.PutAsync(key, buffer, cancellationToken);
        }
        var now = time.GetUtcNow().UtcDateTime;
        await FencedAsync(claim, async db =>
        {
            var updated = await db.Runs.Where(r => r.Id == claim.RunId && r.Attempt == claim.Attempt)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.CheckpointIteration, iteration).SetProperty(r => r.CheckpointKey, key).SetProperty(r => r.UpdatedAt, now), cancellationToken);
            if (updated == 1 && !await db.RunCheckpoints.AnyAsync(c => c.RunId == claim.RunId && c.Iteration == iteration, cancellationToken))
            {
                db.RunCheckpoints.Add(new RunCheckpoint { RunId = claim.RunId, Iteration = iteration, BlobKey = key, SizeBytes = size, Attempt = claim.Attempt, CreatedAt = now });
                await db.SaveChangesAsync(cancellationToken);
            }
            return updated;
        }, cancellationToken);
    }

    private async Task WriteSampleAsync(Claim claim, GanTrainer trainer, CancellationToken cancellationToken)
    {
        var iteration = trainer.Iteration;
        byte[] png;
        using (var images = trainer.SampleFixed())
            png = ContactSheet.Render(TrainingData.ToPixelImages(images));
        var key = RunBlobKeys.Sample(claim.RunId, iteration);
        await blobs.PutAsync(key, png, cancellationToken); // deterministic key: a replay overwrites it
        await FencedAsync(claim, async db =>
        {
            var owned = await db.Runs.CountAsync(r => r.Id == claim.RunId && r.Attempt == claim.Attempt, cancellationToken);
            if (owned == 1 && !await db.RunSamples.AnyAsync(s => s.RunId == claim.RunId && s.Iteration == iteration, cancellationToken))
            {
                db.RunSamples.Add(new RunSample { RunId = claim.RunId, Iteration = iteration, BlobKey = key, CreatedAt = time.GetUtcNow().UtcDateTime });
                await db.SaveChangesAsync(cancellationToken);
            }
            return owned;
        }, cancellationToken);
    }

    /// <summary>Ends the run (fenced), drops the lease and lets pending runs take the freed slot.</summary>
    private async Task FinishAsync(Claim claim, string status, string? error, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GanDbContext>();
        var updated = await db.Runs.Where(r => r.Id == claim.RunId && r.Attempt == claim.Attempt && r.Status == RunStatus.Running)
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, status)
                .SetProperty(r => r.Error, error)
                .SetProperty(r => r.FinishedAt, now)
                .SetProperty(r => r.EtaSeconds, (double?)null)
                .SetProperty(r => r.LeaseOwner, (string?)null)
                .SetProperty(r => r.LeaseExpiresAt, (DateTime?)null)
                .SetProperty(r => r.UpdatedAt, now), cancellationToken);
        if (updated == 1)
            await scope.ServiceProvider.GetRequiredService<RunScheduler>().PromotePendingAsync(cancellationToken);
    }

    /// <summary>Gives the run back (queued) without ending it; with requeue, a new job goes to the back of the queue.</summary>
    private async Task ReleaseAsync(Claim claim, string status, bool requeue, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GanDbContext>();
        var updated = await db.Runs.Where(r => r.Id == claim.RunId && r.Attempt == claim.Attempt && r.Status == RunStatus.Running)
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, status)
                .SetProperty(r => r.QueuedAt, now)
                .SetProperty(r => r.LeaseOwner, (string?)null)
                .SetProperty(r => r.LeaseExpiresAt, (DateTime?)null)
                .SetProperty(r => r.UpdatedAt, now), cancellationToken);
        if (updated == 1 && requeue)
            await scope.ServiceProvider.GetRequiredService<RunScheduler>().EnqueueAsync(claim.RunId, cancellationToken);
    }

    /// <summary>Runs <paramref name="write"/> in a transaction that commits only when it reports the fenced run row updated.</summary>
    private async Task FencedAsync(Claim claim, Func<GanDbContext, Task<int>> write, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GanDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (await write(db) == 1)
            await transaction.CommitAsync(cancellationToken);
        else
            throw new LeaseLostException(claim.RunId, claim.Attempt);
    }

    private sealed class LeaseLostException(Guid runId, int attempt)
        : Exception($"Run {runId}: attempt {attempt} no longer holds the lease.");

    /// <summary>Averages and evaluations since the last flush, written with the lease-fenced progress update.</summary>
    private sealed class ProgressWriter(Claim claim, GanTrainer trainer, double secondsBefore)
    {
        private readonly List<RunMetric> _rows = [];
        private readonly Stopwatch _watch = Stopwatch.StartNew();
        private long _rateIteration = trainer.Iteration;
        private double _rateSeconds;
        private double? _imagesPerSecond;

        public double SecondsTrained => secondsBefore + _watch.Elapsed.TotalSeconds;

        public void Logged()
        {
            if (trainer.LatestProgress is not { } p) return;
            _rows.Add(new RunMetric
            {
                RunId = claim.RunId, Iteration = p.Iteration, Attempt = claim.Attempt, Seconds = SecondsTrained,
                LossD = Finite(p.LossD), LossG = Finite(p.LossG), DReal = p.DReal, DFake = p.DFake, AugmentP = p.AugmentP,
            });
        }

        public void Evaluated(EvaluationResult e) => _rows.Add(new RunMetric
        {
            RunId = claim.RunId, Iteration = e.Iteration, Attempt = claim.Attempt, Seconds = SecondsTrained,
            Swd = e.Swd, SwdRealFloor = e.SwdRealFloor, Diversity = e.Diversity, RealDiversity = e.RealDiversity, NearestNeighbourRatio = e.NnRatio,
        });

        public async Task FlushAsync(TrainingJob job, CancellationToken cancellationToken)
        {
            var seconds = _watch.Elapsed.TotalSeconds;
            // A fresh rate every half second; a run shorter than that still gets one.
            if ((seconds - _rateSeconds > 0.5 || _imagesPerSecond is null) && trainer.Iteration > _rateIteration && seconds > _rateSeconds)
            {
                _imagesPerSecond = (trainer.Iteration - _rateIteration) * trainer.Config.BatchSize / (seconds - _rateSeconds);
                (_rateIteration, _rateSeconds) = (trainer.Iteration, seconds);
            }
            var iteration = trainer.Iteration;
            var eta = _imagesPerSecond is { } ips && ips > 0 ? (trainer.Config.Iterations - iteration) * trainer.Config.BatchSize / ips : (double?)null;
            var latest = trainer.LatestProgress;
            var evaluation = trainer.LatestEvaluation;
            var diagnostics = JsonSerializer.Serialize(trainer.Diagnoses.Select(d => new { code = d.Code, iteration = d.Iteration, message = d.Message, suggestion = d.Suggestion }));
            var now = job.Time.GetUtcNow().UtcDateTime;
            var trained = SecondsTrained;
            var rows = _rows.ToList();
            await job.FencedAsync(claim, async db =>
            {
                var updated = await db.Runs.Where(r => r.Id == claim.RunId && r.Attempt == claim.Attempt)
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(r => r.Iteration, iteration)
                        .SetProperty(r => r.ImagesPerSecond, _imagesPerSecond)
                        .SetProperty(r => r.EtaSeconds, eta)
                        .SetProperty(r => r.LossD, latest == null ? null : Finite(latest.LossD))
                        .SetProperty(r => r.LossG, latest == null ? null : Finite(latest.LossG))
                        .SetProperty(r => r.DReal, latest == null ? null : latest.DReal)
                        .SetProperty(r => r.DFake, latest == null ? null : latest.DFake)
                        .SetProperty(r => r.AugmentP, latest == null ? null : latest.AugmentP)
                        .SetProperty(r => r.SkippedSteps, trainer.SkippedSteps)
                        .SetProperty(r => r.EvaluatedIteration, evaluation == null ? null : evaluation.Iteration)
                        .SetProperty(r => r.Swd, evaluation == null ? null : evaluation.Swd)
                        .SetProperty(r => r.SwdRealFloor, evaluation == null ? null : evaluation.SwdRealFloor)
                        .SetProperty(r => r.Diversity, evaluation == null ? null : evaluation.Diversity)
                        .SetProperty(r => r.RealDiversity, evaluation == null ? null : evaluation.RealDiversity)
                        .SetProperty(r => r.NearestNeighbourRatio, evaluation == null ? null : evaluation.NnRatio)
                        .SetProperty(r => r.DiagnosticsJson, diagnostics)
                        .SetProperty(r => r.SecondsTrained, trained)
                        .SetProperty(r => r.UpdatedAt, now), cancellationToken);
                if (updated == 1 && rows.Count > 0)
                {
                    db.RunMetrics.AddRange(rows);
                    await db.SaveChangesAsync(cancellationToken);
                }
                return updated;
            }, cancellationToken);
            _rows.Clear();
        }

        private static double? Finite(double value) => double.IsFinite(value) ? value : null;
    }

    /// <summary>
    /// Renews the lease every third of its length on its own task (a training step may take seconds) and reads the
    /// cancel flag. A renewal that finds another attempt in the row, or that cannot reach the database before the
    /// lease runs out, marks the lease lost: the training loop then stops without writing anything.
    /// </summary>
    private sealed class LeaseKeeper : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private volatile bool _lost;
        private volatile bool _cancelRequested;

        public LeaseKeeper(TrainingJob job, Claim claim)
        {
            _cancelRequested = claim.Run.CancelRequested;
            _loop = Task.Run(() => LoopAsync(job, claim, _stop.Token));
        }

        public bool Lost => _lost;
        public bool CancelRequested => _cancelRequested;

        private async Task LoopAsync(TrainingJob job, Claim claim, CancellationToken stop)
        {
            var lastRenewed = job.Time.GetUtcNow();
            var renewEvery = job.Lease / 3;
            // The cancel flag is read every second ("stops at the next step"), the lease renewed every third of it.
            var tick = renewEvery < TimeSpan.FromSeconds(1) ? renewEvery : TimeSpan.FromSeconds(1);
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(tick, job.Time, stop);
                    await using var scope = job.Scopes.CreateAsyncScope();
                    var db = scope.ServiceProvider.GetRequiredService<GanDbContext>();
                    if (job.Time.GetUtcNow() - lastRenewed >= renewEvery)
                    {
                        var expires = job.Time.GetUtcNow().UtcDateTime + job.Lease;
                        var renewed = await db.Runs.Where(r => r.Id == claim.RunId && r.Attempt == claim.Attempt && r.Status == RunStatus.Running)
                            .ExecuteUpdateAsync(s => s.SetProperty(r => r.LeaseExpiresAt, expires), stop);
                        if (renewed == 0)
                        {
                            _lost = true;
                            return;
                        }
                        lastRenewed = job.Time.GetUtcNow();
                    }
                    _cancelRequested = await db.Runs.Where(r => r.Id == claim.RunId).Select(r => r.CancelRequested).FirstAsync(stop);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception problem)
                {
                    job.Logger.LogWarning(problem, "Run {RunId}: lease renewal failed", claim.RunId);
                    if (job.Time.GetUtcNow() - lastRenewed > job.Lease - renewEvery)
                    {
                        _lost = true;
                        return;
                    }
                }
            }
        }

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await _loop;
        }

        public void Dispose() => _stop.Dispose();
    }
}
