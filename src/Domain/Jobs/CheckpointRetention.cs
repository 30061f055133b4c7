using GanService.Domain.Data;
using GanService.Domain.Gan.Training;
using GanService.Domain.Storage;
using Microsoft.EntityFrameworkCore;

namespace GanService.Domain.Jobs;

/// <summary>Which checkpoints a run keeps. Section <c>Retention</c> (env <c>Retention__KeepEvery</c>).</summary>
public sealed record RetentionSettings
{
    /// <summary>
    /// Keep every Nth scheduled checkpoint: those at multiples of N x the run's checkpointEvery, besides the latest, the
    /// best, the committed pointer and any a fork started from. 1 (the default) keeps every scheduled checkpoint and
    /// deletes only the extra ones (written for a best since beaten, or at a preemption) once superseded; 5 with
    /// checkpointEvery 1000 keeps 5000, 10000, ...; 0 keeps every checkpoint.
    /// </summary>
    public int KeepEvery { get; init; } = 1;
}

/// <summary>What <see cref="CheckpointRetention.ApplyAsync"/> kept and deleted, and where the owner's storage stands after it.</summary>
public sealed record RetentionResult(IReadOnlyList<long> Kept, IReadOnlyList<long> Deleted, long KeptBytes, StorageUsage OwnerUsage, long OwnerQuotaBytes)
{
    /// <summary>The kept checkpoints count against the owner's quota; past it, uploads are refused (413).</summary>
    public bool OverQuota => OwnerUsage.TotalBytes > OwnerQuotaBytes;
}

/// <summary>
/// Thins a run's checkpoints. The training loop calls it after each checkpoint commit (with the lease held, so nothing
/// else adds checkpoints to the run meanwhile). Rows go before blobs: a generate request that races a deletion finds
/// no row, or a row whose blob is gone (409), never a half-deleted checkpoint it would read.
/// </summary>
public static class CheckpointRetention
{
    public static async Task<RetentionResult> ApplyAsync(GanDbContext db, IBlobStore blobs, Guid runId, RetentionSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var run = await db.Runs.AsNoTracking().Where(r => r.Id == runId)
            .Select(r => new { r.OwnerId, r.ConfigJson, r.CheckpointIteration, r.CheckpointKey, r.BestIteration }).FirstOrDefaultAsync(cancellationToken);
        if (run is null)
            return new RetentionResult([], [], 0, new StorageUsage(0, 0), 0); // deleted meanwhile: its blobs went with it

        var checkpoints = await db.RunCheckpoints.AsNoTracking().Where(c => c.RunId == runId).OrderBy(c => c.Iteration).ToListAsync(cancellationToken);
        var forkedFrom = (await db.Runs.Where(r => r.ParentRunId == runId && r.ParentIteration != null)
            .Select(r => r.ParentIteration!.Value).ToListAsync(cancellationToken)).ToHashSet();
        var config = GanTrainer.ReadConfig(run.ConfigJson);
        // The run's own keepCheckpoints wins over the server's setting.
        var keepEvery = config.KeepCheckpoints ?? settings.KeepEvery;
        var cadence = (long)keepEvery * config.CheckpointEvery;
        var latest = checkpoints.Count > 0 ? checkpoints[^1].Iteration : (long?)null;

        bool Keep(RunCheckpoint c) =>
            keepEvery == 0
            || c.Iteration == latest
            || c.Iteration == run.BestIteration
            || c.Iteration == run.CheckpointIteration || c.BlobKey == run.CheckpointKey
            || forkedFrom.Contains(c.Iteration)
            || (cadence > 0 && c.Iteration % cadence == 0);

        var deleted = new List<long>();
        foreach (var doomed in checkpoints.Where(c => !Keep(c)))
        {
            await db.RunCheckpoints.Where(c => c.RunId == runId && c.Iteration == doomed.Iteration).ExecuteDeleteAsync(cancellationToken);
            await blobs.DeleteAsync(doomed.BlobKey, cancellationToken);
            deleted.Add(doomed.Iteration);
        }
        var kept = checkpoints.Where(Keep).ToList();
        var quota = await db.Users.Where(u => u.Id == run.OwnerId).Select(u => u.StorageQuotaBytes).FirstOrDefaultAsync(cancellationToken);
        return new RetentionResult(kept.Select(c => c.Iteration).ToList(), deleted, kept.Sum(c => c.SizeBytes),
            await StorageUsage.OfUserAsync(db, run.OwnerId, cancellationToken), quota);
    }
}
