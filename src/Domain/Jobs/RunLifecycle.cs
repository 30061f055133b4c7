using GanService.Domain.Data;
using Hangfire;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;

namespace GanService.Domain.Jobs;

/// <summary>Why a new run is refused: the account may not train, or too many of its runs already wait.</summary>
public sealed record AdmissionRefusal(AdmissionRefusal.Reason Kind, string Detail, int? RetryAfterSeconds = null)
{
    public enum Reason { NotAllowed, TooManyWaiting }
}

/// <summary>
/// The one owner of a run's life: admission and its rules, the queue, claims, yields, pauses, cancels, the end and
/// deletion. Every status change is a compare-and-swap whose allowed sources come from <see cref="RunTransitions"/>,
/// so two processes racing on one run (an API cancelling while a worker finishes) leave it in one allowed state. The
/// database decides; the Hangfire queue only carries "a trainer turn, for run X". This half is what the API asks for;
/// the trainers' half is in RunLifecycle.Training.cs.
/// </summary>
public sealed partial class RunLifecycle(GanDbContext db, IBackgroundJobClient jobs, SchedulingSettings scheduling, TimeProvider time)
{
    /// <summary>Runs one user may have waiting (pending or queued) at once: past it, 429.</summary>
    public const int MaxWaitingRuns = 20;

    /// <summary>Null when the owner may add <paramref name="adding"/> runs; else why not (403 or 429 on the wire).</summary>
    public async Task<AdmissionRefusal?> CheckAdmissionAsync(Guid userId, int adding = 1, CancellationToken cancellationToken = default)
    {
        var maxConcurrent = await db.Users.Where(u => u.Id == userId).Select(u => u.MaxConcurrentRuns).SingleAsync(cancellationToken);
        if (maxConcurrent <= 0)
            return new(AdmissionRefusal.Reason.NotAllowed, "Your account may not start training runs (maxConcurrentRuns is 0). Ask an admin.");
        var waiting = await db.Runs.CountAsync(r => r.OwnerId == userId && (r.Status == RunStatus.Pending || r.Status == RunStatus.Queued), cancellationToken);
        if (waiting + adding <= MaxWaitingRuns) return null;
        return new(AdmissionRefusal.Reason.TooManyWaiting,
            (adding == 1 ? $"You already have {waiting} runs waiting" : $"You have {waiting} runs waiting and this would add {adding}") +
            $" (the most is {MaxWaitingRuns}). Wait for some to start, or cancel some.", RetryAfterSeconds: 60);
    }

    /// <summary>Adds a new run as queued (and enqueues it) when its owner has a free slot, else as pending.</summary>
    public Task AdmitAsync(Run run, CancellationToken cancellationToken = default) => AdmitAllAsync([run], cancellationToken);

    /// <summary>
    /// Adds several new runs at once, all or nothing: as many as the owner has free slots are queued (in list order),
    /// the rest wait as pending. Other entities added to the context beforehand (a sweep) are saved in the same
    /// SaveChanges. Call <see cref="CheckAdmissionAsync"/> first.
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
            run.Status = RunTransitions.Target(active < maxConcurrent ? RunTransition.Admit : RunTransition.Defer, null)!.Value;
            if (run.Status == RunStatus.Queued)
            {
                run.QueuedAt = now;
                active++;
            }
        }
        db.Runs.AddRange(runs);
        await db.SaveChangesAsync(cancellationToken);
        foreach (var run in runs.Where(r => r.Status == RunStatus.Queued))
            await EnqueueAsync(run.Id, cancellationToken);
    }

    /// <summary>
    /// Puts a trainer turn on the queue, recorded on the run (for the dashboard). The turn trains the fairest
    /// claimable run when a trainer takes it, which need not be this one (see ClaimAsync): one turn per queued run.
    /// </summary>
    public Task EnqueueAsync(Guid runId, CancellationToken cancellationToken = default) =>
        RecordJobAsync(runId, jobs.Create<TrainingJob>(job => job.RunAsync(runId, CancellationToken.None), new EnqueuedState(WorkerSettings.TrainingQueue)), cancellationToken);

    private Task RecordJobAsync(Guid runId, string jobId, CancellationToken cancellationToken) =>
        db.Runs.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s.SetProperty(r => r.JobId, jobId), cancellationToken);

    /// <summary>Moves pending runs to the queue while their owners have free slots, the owner with least recent training first.</summary>
    public async Task<int> PromotePendingAsync(CancellationToken cancellationToken = default)
    {
        var promoted = 0;
        var permitted = RunTransitions.Permits(RunTransition.Promote);
        while (true)
        {
            var owners = await db.Runs.Where(permitted).Select(r => r.OwnerId).Distinct().ToListAsync(cancellationToken);
            if (owners.Count == 0) return promoted;
            var free = await db.Users.Where(u => owners.Contains(u.Id))
                .Select(u => new { u.Id, Free = u.MaxConcurrentRuns - db.Runs.Count(r => r.OwnerId == u.Id && (r.Status == RunStatus.Queued || r.Status == RunStatus.Running)) })
                .Where(u => u.Free > 0).Select(u => u.Id).ToListAsync(cancellationToken);
            if (free.Count == 0) return promoted;
            var now = time.GetUtcNow().UtcDateTime;
            var usage = await FairShare.UsageAsync(db, free, now, scheduling, cancellationToken);
            var next = free.OrderBy(owner => usage.GetValueOrDefault(owner)).First();

            var candidate = await db.Runs.Where(r => r.OwnerId == next).Where(permitted)
                .OrderBy(r => r.CreatedAt).Select(r => r.Id).FirstAsync(cancellationToken);
            // Only one promoter wins a run, even with several processes promoting at once.
            var won = await db.Runs.Where(r => r.Id == candidate).Where(permitted)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Queued).SetProperty(r => r.QueuedAt, now).SetProperty(r => r.UpdatedAt, now), cancellationToken);
            if (won == 1)
            {
                await EnqueueAsync(candidate, cancellationToken);
                promoted++;
            }
        }
    }

    /// <summary>
    /// Sets the cancel flag. A run no worker holds (pending, queued, or running under a lapsed lease) is cancelled
    /// here and now; a running one is stopped by its worker at the next step boundary (<see cref="EndAsync"/>). Its
    /// queued turn stays: a turn that finds nothing to train ends at once.
    /// </summary>
    public async Task CancelAsync(Guid runId, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await db.Runs.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s.SetProperty(r => r.CancelRequested, true).SetProperty(r => r.UpdatedAt, now), cancellationToken);
        var cancelledHere = await db.Runs.Where(r => r.Id == runId).Where(RunTransitions.Permits(RunTransition.Cancel))
            .Where(r => r.Status != RunStatus.Running || r.LeaseExpiresAt == null || r.LeaseExpiresAt < now)
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, RunStatus.Cancelled)
                .SetProperty(r => r.Attempt, r => r.Attempt + 1) // fences out a worker that might still wake up
                .SetProperty(r => r.FinishedAt, now)
                .SetProperty(r => r.EtaSeconds, (double?)null)
                .SetProperty(r => r.LeaseOwner, (string?)null)
                .SetProperty(r => r.LeaseExpiresAt, (DateTime?)null)
                .SetProperty(r => r.UpdatedAt, now), cancellationToken);
        if (cancelledHere == 1)
            await PromotePendingAsync(cancellationToken);
    }

    /// <summary>
    /// Cancels the run if needed, then deletes its row (and with it its checkpoint, sample and metric rows) and its
    /// blobs. Deleting the row fences out a worker still training it: its next write finds no row and it stops.
    /// </summary>
    public async Task DeleteAsync(Run run, Storage.IBlobStore blobs, CancellationToken cancellationToken = default)
    {
        if (!run.Status.IsTerminal())
            await CancelAsync(run.Id, cancellationToken);
        await db.Runs.Where(r => r.Id == run.Id).ExecuteDeleteAsync(cancellationToken);
        await blobs.DeletePrefixAsync(RunBlobKeys.Prefix(run.Id), CancellationToken.None);
        await PromotePendingAsync(cancellationToken);
    }

    /// <summary>
    /// On start-up of a process that serves the queue: a turn for every run left queued or running without a live
    /// lease (the in-memory queue of embedded mode forgets its jobs on restart). A duplicate turn is harmless.
    /// </summary>
    public async Task<int> RequeueOrphansAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var orphans = await db.Runs
            .Where(r => (r.Status == RunStatus.Queued || r.Status == RunStatus.Running) && (r.LeaseExpiresAt == null || r.LeaseExpiresAt < now))
            .OrderBy(r => r.QueuedAt).Select(r => r.Id).ToListAsync(cancellationToken);
        foreach (var runId in orphans)
            await EnqueueAsync(runId, cancellationToken);
        await PromotePendingAsync(cancellationToken);
        return orphans.Count;
    }

    /// <summary>
    /// Where a queued run stands: its place in the order trainers will take runs (1 = next; see
    /// <see cref="FairShare"/>), how many runs train now, and an estimate of the wait in seconds when every run before
    /// it has a known end (a running run's ETA, a queued one's time budget), shared out over the runs training at
    /// once. Null for a run that is not queued.
    /// </summary>
    public async Task<QueuePlace?> PlaceOfAsync(Run run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.Status != RunStatus.Queued) return null;
        var now = time.GetUtcNow().UtcDateTime;
        var queued = await db.Runs.AsNoTracking().Where(r => r.Status == RunStatus.Queued)
            .Select(r => new FairShare.Candidate(r.Id, r.OwnerId, r.Status, r.QueuedAt ?? r.CreatedAt, r.CreatedAt, r.Attempt)).ToListAsync(cancellationToken);
        var order = FairShare.Order(queued, await FairShare.UsageAsync(db, queued.Select(c => c.OwnerId).Distinct().ToList(), now, scheduling, cancellationToken));
        var ahead = order.TakeWhile(c => c.RunId != run.Id).Select(c => c.RunId).ToList();
        var budgets = (await db.Runs.AsNoTracking().Where(r => ahead.Contains(r.Id)).Select(r => r.ConfigJson).ToListAsync(cancellationToken)).Select(QueuedSeconds).ToList();
        var running = await db.Runs.AsNoTracking().Where(r => r.Status == RunStatus.Running).Select(r => r.EtaSeconds).ToListAsync(cancellationToken);
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
