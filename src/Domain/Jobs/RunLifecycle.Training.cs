using GanService.Domain.Data;
using Hangfire;
using Microsoft.EntityFrameworkCore;

namespace GanService.Domain.Jobs;

/// <summary>The trainers' half of a run's life: claim, yield, and the end. Every write is fenced by the claim's attempt.</summary>
public sealed partial class RunLifecycle
{
    /// <summary>
    /// A trainer turn, queued for <paramref name="runId"/>, takes the fairest claimable run (<see cref="FairShare"/>):
    /// queued and due, or running under a lapsed lease (its worker died), by compare-and-swap on the attempt, the
    /// fencing token. When nothing is claimable but the turn's own run is held under a live lease, the lease is waited
    /// out, since its holder may have just died; a lease still live after one and a half lengths is being renewed, so
    /// another worker trains it and this duplicate turn ends. A turn whose own run is paused waits until the run is due.
    /// </summary>
    internal async Task<RunClaim?> ClaimAsync(Guid runId, string worker, TimeSpan lease, CancellationToken cancellationToken)
    {
        var waitedSince = time.GetUtcNow();
        var permitted = RunTransitions.Permits(RunTransition.Claim);
        while (true)
        {
            var now = time.GetUtcNow().UtcDateTime;
            var claimable = await db.Runs.AsNoTracking().Where(permitted)
                .Where(r => (r.LeaseExpiresAt == null || r.LeaseExpiresAt < now) && (r.Status == RunStatus.Running || r.QueuedAt == null || r.QueuedAt <= now))
                .Select(r => new FairShare.Candidate(r.Id, r.OwnerId, r.Status, r.QueuedAt ?? r.CreatedAt, r.CreatedAt, r.Attempt)).ToListAsync(cancellationToken);
            var usage = await FairShare.UsageAsync(db, claimable.Select(c => c.OwnerId).Distinct().ToList(), now, scheduling, cancellationToken);
            foreach (var candidate in FairShare.Order(claimable, usage))
            {
                var attempt = candidate.Attempt + 1;
                var expires = now + lease;
                var claimed = await db.Runs.Where(r => r.Id == candidate.RunId && r.Attempt == candidate.Attempt && (r.LeaseExpiresAt == null || r.LeaseExpiresAt < now))
                    .Where(permitted)
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(r => r.Attempt, attempt)
                        .SetProperty(r => r.LeaseOwner, worker)
                        .SetProperty(r => r.LeaseExpiresAt, expires)
                        .SetProperty(r => r.Status, RunStatus.Running)
                        .SetProperty(r => r.StartedAt, r => r.StartedAt ?? now)
                        .SetProperty(r => r.UpdatedAt, now), cancellationToken);
                if (claimed == 1)
                    return new RunClaim(candidate.RunId, attempt, await db.Runs.AsNoTracking().FirstAsync(r => r.Id == candidate.RunId, cancellationToken));
            }

            var own = await db.Runs.AsNoTracking().Where(r => r.Id == runId).Select(r => new { r.Status, r.LeaseExpiresAt, r.QueuedAt }).FirstOrDefaultAsync(cancellationToken);
            // A paused run's scheduled turn may come a little early (Hangfire.PostgreSql keeps schedules in whole
            // seconds): it waits the moment out rather than end and leave the run without a turn. A duplicate turn,
            // long before the run is due, ends: it would hold a trainer that others may need.
            if (own is { Status: RunStatus.Queued, QueuedAt: { } due } && due > now && due - now <= TimeSpan.FromSeconds(3))
            {
                await Task.Delay(due - now + TimeSpan.FromMilliseconds(50), time, cancellationToken);
                continue;
            }
            if (own is null || !own.Status.IsActive() || own.LeaseExpiresAt is not { } until || until <= now
                || time.GetUtcNow() - waitedSince > 1.5 * lease)
                return null;
            var wait = until - now + TimeSpan.FromMilliseconds(200);
            await Task.Delay(wait < TimeSpan.FromSeconds(5) ? wait : TimeSpan.FromSeconds(5), time, cancellationToken);
        }
    }

    /// <summary>
    /// Gives the run back, checkpointed, without ending it. With <paramref name="newTurn"/> (a time slice ended) a new
    /// turn goes on the queue, and the order of <see cref="FairShare"/> lets others go first; without it (shutdown) the
    /// job itself is given back to the queue.
    /// </summary>
    internal async Task YieldAsync(RunClaim claim, bool newTurn, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var updated = await db.Runs.Where(r => r.Id == claim.RunId && r.Attempt == claim.Attempt).Where(RunTransitions.Permits(RunTransition.Yield))
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, RunStatus.Queued)
                .SetProperty(r => r.QueuedAt, now)
                .SetProperty(r => r.LeaseOwner, (string?)null)
                .SetProperty(r => r.LeaseExpiresAt, (DateTime?)null)
                .SetProperty(r => r.WaitingReason, (string?)null)
                .SetProperty(r => r.WaitingSince, (DateTime?)null)
                .SetProperty(r => r.UpdatedAt, now), cancellationToken);
        if (updated == 1 && newTurn)
            await EnqueueAsync(claim.RunId, cancellationToken);
    }

    /// <summary>
    /// A storage or database fault outlasted the retries: the run goes back to the queue saying what it waits for
    /// (kept since the first pause of the streak), and its turn is scheduled after <paramref name="pause"/>. Until then
    /// it is not due (QueuedAt lies ahead), so other turns leave it alone and do not spin on a store that is down.
    /// </summary>
    internal async Task<bool> PauseAsync(RunClaim claim, string reason, TimeSpan pause, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var due = now + pause;
        var updated = await db.Runs.Where(r => r.Id == claim.RunId && r.Attempt == claim.Attempt).Where(RunTransitions.Permits(RunTransition.Pause))
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, RunStatus.Queued)
                .SetProperty(r => r.QueuedAt, due)
                .SetProperty(r => r.LeaseOwner, (string?)null)
                .SetProperty(r => r.LeaseExpiresAt, (DateTime?)null)
                .SetProperty(r => r.WaitingReason, reason)
                .SetProperty(r => r.WaitingSince, r => r.WaitingSince ?? now)
                .SetProperty(r => r.UpdatedAt, now), cancellationToken);
        if (updated == 1)
            await RecordJobAsync(claim.RunId, jobs.Schedule<TrainingJob>(job => job.RunAsync(claim.RunId, CancellationToken.None), pause), cancellationToken);
        return updated == 1;
    }

    /// <summary>
    /// A run still running a whole lease after its lease lapsed has no live worker (one that lost the database for
    /// longer than its lease could not give it back): queued again, by compare-and-swap on the attempt, with a new turn.
    /// </summary>
    public async Task<IReadOnlyList<Guid>> RequeueAbandonedAsync(TimeSpan lease, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var cutoff = now - lease;
        var abandoned = await db.Runs.AsNoTracking().Where(r => r.Status == RunStatus.Running && r.LeaseExpiresAt < cutoff)
            .Select(r => new { r.Id, r.Attempt }).ToListAsync(cancellationToken);
        var requeued = new List<Guid>();
        foreach (var run in abandoned)
        {
            var won = await db.Runs.Where(r => r.Id == run.Id && r.Attempt == run.Attempt && r.LeaseExpiresAt < cutoff).Where(RunTransitions.Permits(RunTransition.Yield))
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Queued).SetProperty(r => r.QueuedAt, now)
                    .SetProperty(r => r.LeaseOwner, (string?)null).SetProperty(r => r.LeaseExpiresAt, (DateTime?)null).SetProperty(r => r.UpdatedAt, now), cancellationToken);
            if (won != 1) continue;
            await EnqueueAsync(run.Id, cancellationToken);
            requeued.Add(run.Id);
        }
        return requeued;
    }

    /// <summary>Ends the run (fenced): completed, failed with the error, or cancelled; drops the lease and lets pending runs take the slot.</summary>
    internal async Task<bool> EndAsync(RunClaim claim, RunTransition end, string? error, CancellationToken cancellationToken)
    {
        var status = RunTransitions.Target(end, RunStatus.Running)
            ?? throw new ArgumentException($"{end} does not end a running run", nameof(end));
        if (!status.IsTerminal()) throw new ArgumentException($"{end} does not end a run", nameof(end));
        var now = time.GetUtcNow().UtcDateTime;
        var updated = await db.Runs.Where(r => r.Id == claim.RunId && r.Attempt == claim.Attempt).Where(RunTransitions.Permits(end))
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, status)
                .SetProperty(r => r.Error, error)
                .SetProperty(r => r.FinishedAt, now)
                .SetProperty(r => r.EtaSeconds, (double?)null)
                .SetProperty(r => r.LeaseOwner, (string?)null)
                .SetProperty(r => r.LeaseExpiresAt, (DateTime?)null)
                .SetProperty(r => r.UpdatedAt, now), cancellationToken);
        if (updated == 1)
            await PromotePendingAsync(cancellationToken);
        return updated == 1;
    }

    /// <summary>With runs of other users waiting (queued and due), a run past its time slice yields its trainer.</summary>
    internal Task<bool> OthersWaitAsync(Guid ownerId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return db.Runs.AnyAsync(r => r.OwnerId != ownerId && r.Status == RunStatus.Queued && (r.QueuedAt == null || r.QueuedAt <= now), cancellationToken);
    }

    /// <summary>Charges the owner's fair-share account with trainer seconds.</summary>
    internal Task ChargeAsync(Guid ownerId, double seconds, CancellationToken cancellationToken) =>
        FairShare.ChargeAsync(db, ownerId, seconds, time.GetUtcNow().UtcDateTime, scheduling, cancellationToken);
}
