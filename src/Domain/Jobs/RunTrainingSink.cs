using System.Diagnostics;
using System.Text.Json;
using GanService.Domain.Data;
using GanService.Domain.Gan.Training;
using GanService.Domain.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GanService.Domain.Jobs;

/// <summary>
/// The queue's side of a <see cref="TrainingSession"/>: sample grids and checkpoints go to blobs, metric rows and
/// progress to the database, every write fenced by the claim's attempt. Checkpoints go under immutable keys before the
/// pointer to them is committed. Its poll turns the job's policies into stops: a lost lease, a cancel, a shutdown, the
/// maximum runtime and, with others waiting, the end of a time slice. The blobs come through a retrying store, and
/// each fenced write is tried again through a database fault (all of them can be written twice without harm).
/// </summary>
internal sealed class RunTrainingSink(
    IServiceScopeFactory scopes,
    IBlobStore blobs,
    TransientRetry retry,
    SchedulingSettings scheduling,
    TimeProvider time,
    RunClaim claim,
    LeaseKeeper lease,
    TrainingSession session,
    RetentionSettings retention,
    CancellationToken shutdown) : ITrainingSink
{
    public static readonly TrainingStop LeaseLost = new("lease lost", StopEnding.None);
    public static readonly TrainingStop Cancelled = new("cancel", StopEnding.None);
    /// <summary>Graceful shutdown: checkpoint, then the run goes back to the queue for another worker (or this one restarted).</summary>
    public static readonly TrainingStop Shutdown = new("shutdown", StopEnding.Checkpoint);
    public static readonly TrainingStop MaxRuntime = new("maximum runtime", StopEnding.Checkpoint);
    /// <summary>Preemption at a checkpoint boundary: the run goes to the back of the queue, behind the runs that waited.</summary>
    public static readonly TrainingStop Preempted = new("time slice", StopEnding.Checkpoint);

    private readonly List<MetricRow> _rows = [];
    private readonly Stopwatch _sinceProgress = Stopwatch.StartNew();
    private readonly Stopwatch _sinceSliceCheck = Stopwatch.StartNew();
    private long _rateIteration = session.FirstIteration;
    private double _rateSeconds;
    private double? _imagesPerSecond;
    private double _charged = session.SecondsTrained;

    /// <summary>
    /// The token of the sink's writes: none. A shutdown is seen at the next poll (every step), and a write that it
    /// cancelled half-way would leave the run running with no checkpoint at its stop, the very thing a graceful
    /// shutdown is for (seen once: SIGTERM during a progress flush). A write takes milliseconds; Hangfire waits 2 min.
    /// </summary>
    public CancellationToken Token => CancellationToken.None;
    private GanTrainer Trainer => session.Trainer;

    public async Task<TrainingStop?> PollAsync()
    {
        if (lease.Lost) return LeaseLost;
        if (lease.CancelRequested) return Cancelled;
        if (shutdown.IsCancellationRequested) // the host is shutting down
            return Shutdown;
        if (session.SecondsTrained > scheduling.MaxRunMinutes * 60) return MaxRuntime;
        if (scheduling.TimeSliceMinutes is { } slice && session.Elapsed.TotalMinutes >= slice && _sinceSliceCheck.Elapsed.TotalSeconds >= 1
            && await OthersWaitAsync())
            return Preempted;
        if (_sinceProgress.Elapsed.TotalSeconds >= scheduling.ProgressSeconds)
            await FlushAsync();
        return null;
    }

    public Task OnProgressAsync(TrainingProgress progress, MetricRow row)
    {
        _rows.Add(row);
        return Task.CompletedTask;
    }

    public Task OnEvaluationAsync(EvaluationResult evaluation, MetricRow row)
    {
        _rows.Add(row);
        return Task.CompletedTask;
    }

    public async Task OnSampleAsync(long iteration, byte[] png)
    {
        var key = RunBlobKeys.Sample(claim.RunId, iteration);
        await blobs.PutAsync(key, png, Token); // deterministic key: a replay overwrites it
        await retry.RunAsync($"recording sample {iteration}", () => RunFence.WriteAsync(scopes, claim, async db =>
        {
            var owned = await db.Runs.CountAsync(r => r.Id == claim.RunId && r.Attempt == claim.Attempt, Token);
            if (owned == 1 && !await db.RunSamples.AnyAsync(s => s.RunId == claim.RunId && s.Iteration == iteration, Token))
            {
                db.RunSamples.Add(new RunSample { RunId = claim.RunId, Iteration = iteration, BlobKey = key, CreatedAt = time.GetUtcNow().UtcDateTime });
                await db.SaveChangesAsync(Token);
            }
            return owned;
        }, Token), Token);
    }

    /// <summary>
    /// The rows up to here first (a resume replays only what lies past the checkpoint), then the blob under its
    /// immutable key (kept when a replay finds it committed), then the fenced pointer.
    /// </summary>
    public async Task OnCheckpointAsync(long iteration)
    {
        await FlushAsync();
        var key = RunBlobKeys.Checkpoint(claim.RunId, iteration);
        var committed = await retry.RunAsync($"reading checkpoint {iteration}", async () =>
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<GanDbContext>();
            return await db.RunCheckpoints.AnyAsync(c => c.RunId == claim.RunId && c.Iteration == iteration, Token);
        }, Token);
        long size = 0;
        string? sha256 = null;
        if (!committed)
        {
            using var buffer = new MemoryStream();
            Trainer.SaveCheckpoint(buffer);
            size = buffer.Length;
            // The hash goes on the row, committed only after the blob is complete: a load checks what it reads.
            sha256 = CheckpointIntegrity.Sha256Of(buffer.GetBuffer().AsSpan(0, (int)size));
            buffer.Position = 0;
            await blobs.PutAsync(key, buffer, Token);
        }
        var now = time.GetUtcNow().UtcDateTime;
        await retry.RunAsync($"committing checkpoint {iteration}", () => RunFence.WriteAsync(scopes, claim, async db =>
        {
            var updated = await db.Runs.Where(r => r.Id == claim.RunId && r.Attempt == claim.Attempt)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.CheckpointIteration, iteration).SetProperty(r => r.CheckpointKey, key).SetProperty(r => r.UpdatedAt, now), Token);
            if (updated == 1 && !await db.RunCheckpoints.AnyAsync(c => c.RunId == claim.RunId && c.Iteration == iteration, Token))
            {
                db.RunCheckpoints.Add(new RunCheckpoint { RunId = claim.RunId, Iteration = iteration, BlobKey = key, SizeBytes = size, Sha256 = sha256, Attempt = claim.Attempt, CreatedAt = now });
                await db.SaveChangesAsync(Token);
            }
            // The best so far always has a checkpoint (the session writes one for every new best), so it is saved with one.
            if (updated == 1 && session.Best.Best is { } best && best.Iteration <= iteration)
                await BestCheckpointStore.SaveAsync(db, claim.RunId, claim.Attempt, best, Token);
            return updated;
        }, Token), Token);
        await retry.RunAsync("thinning checkpoints", async () =>
        {
            await using var scope = scopes.CreateAsyncScope();
            await CheckpointRetention.ApplyAsync(scope.ServiceProvider.GetRequiredService<GanDbContext>(), blobs, claim.RunId, retention, Token);
        }, Token);
    }

    /// <summary>
    /// The metric rows since the last flush, with the lease-fenced progress update of the run row; then the trainer
    /// time to the owner's fair share (all of it when <paramref name="final"/>).
    /// </summary>
    public async Task FlushAsync(bool final = false)
    {
        _sinceProgress.Restart();
        var seconds = session.Elapsed.TotalSeconds;
        var iteration = Trainer.Iteration;
        // A fresh rate every half second; a run shorter than that still gets one.
        if ((seconds - _rateSeconds > 0.5 || _imagesPerSecond is null) && iteration > _rateIteration && seconds > _rateSeconds)
        {
            _imagesPerSecond = (iteration - _rateIteration) * Trainer.Config.BatchSize / (seconds - _rateSeconds);
            (_rateIteration, _rateSeconds) = (iteration, seconds);
        }
        var eta = _imagesPerSecond is { } ips && ips > 0 ? (Trainer.Config.Iterations - iteration) * Trainer.Config.BatchSize / ips : (double?)null;
        var latest = Trainer.LatestProgress;
        var evaluation = Trainer.LatestEvaluation;
        var measured = evaluation is null ? null : MetricRow.From(evaluation, 0);
        var skipped = Trainer.SkippedSteps;
        var diagnostics = JsonSerializer.Serialize(Trainer.Diagnoses.Select(d => new { code = d.Code, iteration = d.Iteration, message = d.Message, suggestion = d.Suggestion, values = d.Values }));
        var now = time.GetUtcNow().UtcDateTime;
        var trained = session.SecondsTrained;
        var rows = _rows.ToList();
        await retry.RunAsync("writing progress", () => RunFence.WriteAsync(scopes, claim, async db =>
        {
            var updated = await db.Runs.Where(r => r.Id == claim.RunId && r.Attempt == claim.Attempt)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(r => r.Iteration, iteration)
                    .SetProperty(r => r.ImagesPerSecond, _imagesPerSecond)
                    .SetProperty(r => r.EtaSeconds, eta)
                    .SetProperty(r => r.LossD, latest == null ? null : MetricRow.Finite(latest.LossD))
                    .SetProperty(r => r.LossG, latest == null ? null : MetricRow.Finite(latest.LossG))
                    .SetProperty(r => r.DReal, latest == null ? null : latest.DReal)
                    .SetProperty(r => r.DFake, latest == null ? null : latest.DFake)
                    .SetProperty(r => r.AugmentP, latest == null ? null : latest.AugmentP)
                    .SetProperty(r => r.SkippedSteps, skipped)
                    .SetProperty(r => r.EvaluatedIteration, evaluation == null ? null : evaluation.Iteration)
                    .SetProperty(r => r.Swd, measured == null ? null : measured.Swd)
                    .SetProperty(r => r.SwdRealFloor, measured == null ? null : measured.SwdRealFloor)
                    .SetProperty(r => r.Diversity, measured == null ? null : measured.Diversity)
                    .SetProperty(r => r.RealDiversity, measured == null ? null : measured.RealDiversity)
                    .SetProperty(r => r.NearestNeighbourRatio, measured == null ? null : measured.NearestNeighbour)
                    .SetProperty(r => r.DiagnosticsJson, diagnostics)
                    .SetProperty(r => r.SecondsTrained, trained)
                    .SetProperty(r => r.UpdatedAt, now), Token);
            // Fresh entities on every try; a try whose commit landed but whose answer was lost wrote this batch already.
            if (updated == 1 && rows.Count > 0 && !await BatchWrittenAsync(db, rows[^1]))
            {
                var fresh = await WithoutReplayedAsync(db, rows);
                db.RunMetrics.AddRange(fresh.Select(r => r.ToEntity(claim.RunId, claim.Attempt)));
                await db.SaveChangesAsync(Token);
            }
            return updated;
        }, Token), Token);
        _rows.Clear();
        await ChargeAsync(final);
    }

    private Task<bool> BatchWrittenAsync(GanDbContext db, MetricRow last) =>
        db.RunMetrics.AnyAsync(m => m.RunId == claim.RunId && m.Attempt == claim.Attempt && m.Iteration == last.Iteration && m.Seconds == last.Seconds
                                    && (m.Swd == null) == (last.Swd == null), Token);

    /// <summary>
    /// The rows less those the checkpoint's iteration has already. A resume keeps the rows up to its checkpoint, and
    /// at the last iteration the session writes its ending again (the evaluation, the losses since the last log),
    /// which the attempt that committed that checkpoint may have written before it stopped: once is enough.
    /// </summary>
    private async Task<IEnumerable<MetricRow>> WithoutReplayedAsync(GanDbContext db, List<MetricRow> rows)
    {
        var resumedAt = session.FirstIteration;
        if (resumedAt == 0 || !rows.Any(r => r.Iteration == resumedAt)) return rows;
        var kinds = await db.RunMetrics.Where(m => m.RunId == claim.RunId && m.Iteration == resumedAt && m.Attempt != claim.Attempt)
            .Select(m => m.Swd != null).Distinct().ToListAsync(Token);
        return rows.Where(r => r.Iteration != resumedAt || !kinds.Contains(r.Swd is not null));
    }

    private async Task<bool> OthersWaitAsync()
    {
        _sinceSliceCheck.Restart(); // asked at most once a second
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<RunLifecycle>().OthersWaitAsync(claim.Run.OwnerId, Token);
    }

    /// <summary>The trainer seconds since the last charge go to the owner's fair-share account, every few seconds and at the end.</summary>
    private async Task ChargeAsync(bool final)
    {
        var trained = session.SecondsTrained;
        if (trained - _charged < (final ? 0.001 : 5)) return;
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<RunLifecycle>().ChargeAsync(claim.Run.OwnerId, trained - _charged, Token);
        _charged = trained;
    }
}
