using GanService.Domain.Data;
using Hangfire;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;

namespace GanService.Domain.Jobs;

/// <summary>
/// Admission and promotion of runs. A run holds one of its owner's <see cref="User.MaxConcurrentRuns"/> slots while
/// queued or running; over that it waits as pending. Freed slots go to pending runs round-robin across owners (the
/// owner who was served longest ago first). The database decides; the queue only carries run ids.
/// </summary>
public sealed class RunScheduler(GanDbContext db, IBackgroundJobClient jobs, TimeProvider time)
{
    /// <summary>Adds a new run as queued (and enqueues it) when its owner has a free slot, else as pending.</summary>
    public Task AdmitAsync(Run run, CancellationToken cancellationToken = default) => AdmitAllAsync([run], cancellationToken);

    /// <summary>
    /// Adds several new runs at once, all or nothing: as many as the owner has free slots are queued (in list order),
    /// the rest wait as pending. Other entities
    /// added to the context beforehand (a sweep) are saved in the same SaveChanges.
    /// </summary>
    public async Task AdmitAllAsync(IReadOnlyList<Run> runs, CancellationToken cancellationToken = default)
    {
        if (runs.Count == 0) return;
        var ownerId = runs[0].OwnerId;
        if (runs.Any(r => r.OwnerId != ownerId)) throw new ArgumentException("all runs must have one owner", nameof(runs));
        var maxConcurrent = await db.Users.Where(u => u.Id == ownerId).Select(u => u.MaxConcurrentRuns).SingleAsync(cancellationToken);
        var active = await db.Runs.CountAsync(r => r.OwnerId == ownerId && (r.Status == RunStatus.Queued || r.Status == RunStatus.Running), cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        foreach (var run in runs)
        {
            if (active < maxConcurrent)
            {
                run.Status = RunStatus.Queued;
                run.QueuedAt = now;
                active++;
            }
            else
            {
                run.Status = RunStatus.Pending;
            }
        }
        db.Runs.AddRange(runs);
        await db.SaveChangesAsync(cancellationToken);
        foreach (var run in runs.Where(r => r.Status == RunStatus.Queued))
            await EnqueueAsync(run.Id, cancellationToken);
    }

    /// <summary>Puts a job for the run on the training queue and records its id (for cancel and the dashboard).</summary>
    public async Task EnqueueAsync(Guid runId, CancellationToken cancellationToken = default)
    {
        var jobId = jobs.Create<TrainingJob>(job => job.RunAsync(runId, CancellationToken.None), new EnqueuedState(WorkerSettings.TrainingQueue));
        await db.Runs.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s.SetProperty(r => r.JobId, jobId), cancellationToken);
    }

    /// <summary>Moves pending runs to the queue while their owners have free slots, one owner at a time, round-robin.</summary>
    public async Task<int> PromotePendingAsync(CancellationToken cancellationToken = default)
    {
        var promoted = 0;
        while (true)
        {
            var owners = await db.Runs.Where(r => r.Status == RunStatus.Pending).Select(r => r.OwnerId).Distinct().ToListAsync(cancellationToken);
            if (owners.Count == 0) return promoted;
            var slots = await db.Users.Where(u => owners.Contains(u.Id))
                .Select(u => new
                {
                    u.Id,
                    Free = u.MaxConcurrentRuns - db.Runs.Count(r => r.OwnerId == u.Id && (r.Status == RunStatus.Queued || r.Status == RunStatus.Running)),
                    LastServed = db.Runs.Where(r => r.OwnerId == u.Id && r.QueuedAt != null).Max(r => r.QueuedAt),
                })
                .ToListAsync(cancellationToken);
            var next = slots.Where(s => s.Free > 0).OrderBy(s => s.LastServed ?? DateTime.MinValue).FirstOrDefault();
            if (next is null) return promoted;

            var candidate = await db.Runs.Where(r => r.OwnerId == next.Id && r.Status == RunStatus.Pending)
                .OrderBy(r => r.QueuedAt ?? r.CreatedAt).Select(r => r.Id).FirstAsync(cancellationToken);
            var now = time.GetUtcNow().UtcDateTime;
            // Only one promoter wins a run, even with several processes promoting at once.
            var won = await db.Runs.Where(r => r.Id == candidate && r.Status == RunStatus.Pending)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Queued).SetProperty(r => r.QueuedAt, now).SetProperty(r => r.UpdatedAt, now), cancellationToken);
            if (won == 1)
            {
                await EnqueueAsync(candidate, cancellationToken);
                promoted++;
            }
        }
    }
}
