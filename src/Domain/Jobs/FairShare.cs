using GanService.Domain.Data;
using Microsoft.EntityFrameworkCore;

namespace GanService.Domain.Jobs;

/// <summary>
/// Fair turns on shared trainers. A free trainer takes the claimable run whose owner has had the least training time
/// lately (<see cref="User.RecentTrainingSeconds"/>, decayed by half every <see cref="SchedulingSettings.FairShareHalfLifeHours"/>);
/// a run whose worker died mid-turn comes first, and one user's runs go oldest first. So Bob's one run goes before
/// Alice's second and third, though she queued them first.
/// </summary>
public static class FairShare
{
    /// <summary>What the order needs of a run.</summary>
    public sealed record Candidate(Guid RunId, Guid OwnerId, RunStatus Status, DateTime QueuedAt, DateTime CreatedAt, int Attempt);

    public static IReadOnlyList<Candidate> Order(IEnumerable<Candidate> candidates, IReadOnlyDictionary<Guid, double> usage) =>
    [
        .. candidates
            .OrderBy(c => c.Status == RunStatus.Running ? 0 : 1) // its worker died mid-turn: it resumes first
            .ThenBy(c => usage.GetValueOrDefault(c.OwnerId))
            .ThenBy(c => c.QueuedAt)
            .ThenBy(c => c.CreatedAt) // a sweep's runs, queued at once, in the grid's order
            .ThenBy(c => c.RunId),
    ];

    /// <summary>The owners' recent training seconds, decayed to <paramref name="now"/>.</summary>
    public static async Task<IReadOnlyDictionary<Guid, double>> UsageAsync(GanDbContext db, IReadOnlyList<Guid> owners, DateTime now, SchedulingSettings scheduling, CancellationToken cancellationToken)
    {
        var rows = await db.Users.AsNoTracking().Where(u => owners.Contains(u.Id))
            .Select(u => new { u.Id, u.RecentTrainingSeconds, u.RecentTrainingAt }).ToListAsync(cancellationToken);
        return rows.ToDictionary(u => u.Id, u => Decayed(u.RecentTrainingSeconds, u.RecentTrainingAt, now, scheduling));
    }

    public static double Decayed(double seconds, DateTime? at, DateTime now, SchedulingSettings scheduling) =>
        at is { } since && now > since ? seconds * Math.Pow(0.5, (now - since).TotalHours / scheduling.FairShareHalfLifeHours) : seconds;

    /// <summary>
    /// Adds trainer seconds to the owner's account. A compare-and-swap on the account's time, tried again when
    /// another of the owner's runs charged at the same moment, so no charge is lost.
    /// </summary>
    public static async Task ChargeAsync(GanDbContext db, Guid ownerId, double seconds, DateTime now, SchedulingSettings scheduling, CancellationToken cancellationToken)
    {
        if (seconds <= 0) return;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var account = await db.Users.AsNoTracking().Where(u => u.Id == ownerId)
                .Select(u => new { u.RecentTrainingSeconds, u.RecentTrainingAt }).FirstOrDefaultAsync(cancellationToken);
            if (account is null) return; // the account was deleted
            var total = Decayed(account.RecentTrainingSeconds, account.RecentTrainingAt, now, scheduling) + seconds;
            var at = account.RecentTrainingAt;
            var charged = await db.Users.Where(u => u.Id == ownerId && u.RecentTrainingAt == at)
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.RecentTrainingSeconds, total).SetProperty(u => u.RecentTrainingAt, now), cancellationToken);
            if (charged == 1) return;
        }
    }
}
