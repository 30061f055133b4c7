using System.Security.Cryptography;
using GanService.Domain.Data;
using GanService.Domain.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GanService.Domain.Jobs;

/// <summary>A checkpoint blob that is not what was written: its SHA-256 differs from its row's, or it is gone.</summary>
public sealed class CorruptCheckpointException(string message) : Exception(message);

/// <summary>
/// Checkpoints carry the SHA-256 of their bytes on their row (<see cref="RunCheckpoint.Sha256"/>), written with the
/// pointer after the blob is complete; every load checks it, so a blob cut short or changed in storage is never
/// trained on or generated from.
/// </summary>
public static class CheckpointIntegrity
{
    public static string Sha256Of(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>True when <paramref name="expected"/> is unknown (a checkpoint older than the hash) or matches.</summary>
    public static bool Matches(MemoryStream blob, string? expected) =>
        expected is null || string.Equals(Sha256Of(blob.GetBuffer().AsSpan(0, (int)blob.Length)), expected, StringComparison.OrdinalIgnoreCase);

    /// <summary>The blob read whole and checked against its recorded hash; null when missing.</summary>
    /// <exception cref="CorruptCheckpointException">The content does not match the hash.</exception>
    public static async Task<MemoryStream?> ReadVerifiedAsync(IBlobStore blobs, string key, string? sha256, CancellationToken cancellationToken = default)
    {
        await using var stream = await blobs.OpenReadAsync(key, cancellationToken);
        if (stream is null) return null;
        var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken);
        buffer.Position = 0;
        if (Matches(buffer, sha256)) return buffer;
        await buffer.DisposeAsync();
        throw new CorruptCheckpointException($"The checkpoint {key} does not match the SHA-256 recorded when it was written.");
    }
}

/// <summary>The checkpoint an attempt resumes from, read whole and verified.</summary>
internal sealed record ResumePoint(long Iteration, string Key, MemoryStream Stream) : IDisposable
{
    public void Dispose() => Stream.Dispose();
}

/// <summary>
/// Finds the checkpoint to resume from: the committed pointer, or when its blob is corrupt or missing, the newest
/// earlier checkpoint of the run that is intact. The bad ones are dropped (row, then blob) and the pointer moved back,
/// fenced by the attempt, so that the replay writes them afresh; with none intact the run cannot go on.
/// </summary>
internal static class ResumeCheckpoints
{
    public static async Task<ResumePoint?> LoadAsync(IServiceScopeFactory scopes, IBlobStore blobs, RunClaim claim, ILogger logger, CancellationToken cancellationToken)
    {
        if (claim.Run.CheckpointKey is not { } pointer) return null;
        List<RunCheckpoint> candidates;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<GanDbContext>();
            candidates = await db.RunCheckpoints.AsNoTracking()
                .Where(c => c.RunId == claim.RunId && c.Iteration <= (claim.Run.CheckpointIteration ?? long.MaxValue))
                .OrderByDescending(c => c.Iteration).ToListAsync(cancellationToken);
        }
        // The pointer first (a row of its own, or none for a run from before rows were kept), then the earlier ones.
        if (candidates.FirstOrDefault()?.BlobKey != pointer)
            candidates.Insert(0, new RunCheckpoint { RunId = claim.RunId, Iteration = claim.Run.CheckpointIteration ?? 0, BlobKey = pointer });
        var bad = new List<RunCheckpoint>();
        foreach (var candidate in candidates)
        {
            MemoryStream? stream;
            try
            {
                stream = await CheckpointIntegrity.ReadVerifiedAsync(blobs, candidate.BlobKey, candidate.Sha256, cancellationToken);
            }
            catch (CorruptCheckpointException)
            {
                stream = null;
            }
            if (stream is null)
            {
                logger.LogError("Run {RunId}: checkpoint {Key} is corrupt or missing (SHA-256 {Sha256}); trying an earlier one", claim.RunId, candidate.BlobKey, candidate.Sha256);
                bad.Add(candidate);
                continue;
            }
            if (bad.Count > 0) await DropAsync(scopes, blobs, claim, bad, candidate, cancellationToken);
            return new ResumePoint(candidate.Iteration, candidate.BlobKey, stream);
        }
        throw new CorruptCheckpointException(candidates.Count == 1
            ? $"The checkpoint at iteration {candidates[0].Iteration} is corrupt or missing in storage (its content does not match the SHA-256 recorded when it was written). Start the run again."
            : $"The checkpoints at iterations {string.Join(", ", candidates.Select(c => c.Iteration))} are all corrupt or missing in storage (their content does not match the SHA-256 recorded when they were written). Start the run again.");
    }

    private static async Task DropAsync(IServiceScopeFactory scopes, IBlobStore blobs, RunClaim claim, List<RunCheckpoint> bad, RunCheckpoint good, CancellationToken cancellationToken)
    {
        var iterations = bad.Select(c => c.Iteration).ToList();
        await RunFence.WriteAsync(scopes, claim, async db =>
        {
            var updated = await db.Runs.Where(r => r.Id == claim.RunId && r.Attempt == claim.Attempt)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.CheckpointIteration, good.Iteration).SetProperty(r => r.CheckpointKey, good.BlobKey), cancellationToken);
            // A best at a dropped checkpoint names nothing now; the replay evaluates those iterations again.
            await db.Runs.Where(r => r.Id == claim.RunId && r.BestIteration > good.Iteration)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.BestIteration, (long?)null).SetProperty(r => r.BestSwd, (double?)null).SetProperty(r => r.BestDiversity, (double?)null), cancellationToken);
            await db.RunCheckpoints.Where(c => c.RunId == claim.RunId && iterations.Contains(c.Iteration)).ExecuteDeleteAsync(cancellationToken);
            return updated;
        }, cancellationToken);
        foreach (var checkpoint in bad.Where(c => c.BlobKey.StartsWith(RunBlobKeys.Prefix(claim.RunId), StringComparison.Ordinal)))
            await blobs.DeleteAsync(checkpoint.BlobKey, cancellationToken);
    }
}
