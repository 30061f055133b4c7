using Microsoft.EntityFrameworkCore;

namespace GanService.Domain.Data;

/// <summary>What counts against a user's storage quota: their datasets' stored images and their runs' kept checkpoints.</summary>
public sealed record StorageUsage(long DatasetBytes, long CheckpointBytes)
{
    public long TotalBytes => DatasetBytes + CheckpointBytes;

    /// <summary>
    /// The one place the quota's usage is computed (uploads check it, /api/me shows it, retention reports it). Sample
    /// grids are left out: a few kilobytes each, against checkpoints of megabytes.
    /// </summary>
    public static async Task<StorageUsage> OfUserAsync(GanDbContext db, Guid userId, CancellationToken cancellationToken = default)
    {
        var datasets = await db.Datasets.Where(d => d.OwnerId == userId).SumAsync(d => (long?)d.StorageBytes, cancellationToken) ?? 0;
        var checkpoints = await (
            from checkpoint in db.RunCheckpoints
            join run in db.Runs on checkpoint.RunId equals run.Id
            where run.OwnerId == userId
            select (long?)checkpoint.SizeBytes).SumAsync(cancellationToken) ?? 0;
        return new StorageUsage(datasets, checkpoints);
    }
}
