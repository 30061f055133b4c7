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

/// <summary>
/// One storing upload per user at a time in this process: the final quota check and the insert of a dataset happen
/// under it, so parallel uploads of one user cannot each see the same free space and together pass the quota. (The
/// API is one process per deployment; several API replicas would need a database lock here instead.)
/// </summary>
public static class StorageQuotaGate
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, SemaphoreSlim> Gates = new();

    public static async Task<IDisposable> EnterAsync(Guid userId, CancellationToken cancellationToken = default)
    {
        var gate = Gates.GetOrAdd(userId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        return new Release(gate);
    }

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) gate.Release();
        }
    }
}
