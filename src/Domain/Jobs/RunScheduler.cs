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

    /// <summary>Like <see cref="EnqueueAsync"/>, but the job waits <paramref name="delay"/> first: a run paused by a storage or database fault.</summary>
    public async Task ScheduleAsync(Guid runId, TimeSpan delay, CancellationToken cancellationToken = default)
    {
        var jobId = jobs.Schedule<TrainingJob>(WorkerSettings.TrainingQueue, job => job.RunAsync(runId, CancellationToken.None), delay);
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

    /// <summary>
    /// Where a queued run stands in the shared queue: its place (1 = next), how many runs train now, and an estimate
    /// of the wait in seconds when every run before it has a known end (a running run's ETA, a queued one's time
    /// budget), shared out over the runs training at once. Null for a run that is not queued.
    /// </summary>
    public static async Task<QueuePlace?> PlaceOfAsync(GanDbContext db, Run run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(run);
        if (run.Status != RunStatus.Queued) return null;
        var queuedAt = run.QueuedAt ?? run.CreatedAt;
        // Hangfire takes jobs first in, first out: the runs queued before this one go first.
        var ahead = await db.Runs.AsNoTracking()
            .Where(r => r.Status == RunStatus.Queued && r.Id != run.Id && (r.QueuedAt ?? r.CreatedAt) < queuedAt)
            .Select(r => r.ConfigJson).ToListAsync(cancellationToken);
        var running = await db.Runs.AsNoTracking().Where(r => r.Status == RunStatus.Running).Select(r => r.EtaSeconds).ToListAsync(cancellationToken);
        var budgets = ahead.Select(QueuedSeconds).ToList();
        double? wait = running.All(eta => eta is not null) && budgets.All(b => b is not null)
            ? (running.Sum(eta => eta!.Value) + budgets.Sum(b => b!.Value)) / Math.Max(1, running.Count)
            : null;
        return new QueuePlace(ahead.Count + 1, running.Count, wait is { } w ? Math.Round(w) : null);
    }

    /// <summary>A queued run's length when its config caps it in minutes; otherwise unknown until it runs.</summary>
    private static double? QueuedSeconds(string configJson)
    {
        using var config = System.Text.Json.JsonDocument.Parse(configJson);
        return config.RootElement.TryGetProperty("minutes", out var minutes) && minutes.ValueKind == System.Text.Json.JsonValueKind.Number
            ? minutes.GetDouble() * 60
            : null;
    }
}

/// <summary>A queued run's place (1 = next), the runs training now, and the estimated wait in seconds (null when unknown).</summary>
public sealed record QueuePlace(int Position, int Running, double? WaitSeconds);
