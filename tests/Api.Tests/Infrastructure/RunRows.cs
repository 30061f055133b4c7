using System.Text.Json;
using GanService.Domain.Data;
using GanService.Domain.Gan;
using GanService.Domain.Jobs;
using GanService.Domain.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace GanService.Api.Tests.Infrastructure;

/// Run and checkpoint rows written straight to the database and the store, as the training loop writes them, for the
/// tests of what reads them (retention, the best checkpoint, generation's choice of checkpoint).
public static class RunRows
{
    /// A completed run of the tiny config (1000 iterations, checkpoints every 100) on the owner's dataset; <paramref name="change"/> adjusts it.
    public static async Task<Run> InsertAsync(GanApiFactory factory, Guid ownerId, Guid datasetId, Action<Run>? change = null)
    {
        var (config, errors) = GanPresets.TryResolve(null, RunHelpers.TinyConfig(iterations: 1000, every: 100));
        Assert.True(config is not null, string.Join("; ", errors.Select(e => $"{e.Key}: {e.Value}")));
        var run = new Run
        {
            OwnerId = ownerId, DatasetId = datasetId, Name = "constructed", Preset = GanPresets.Default,
            ConfigJson = JsonSerializer.Serialize(config, GanPresets.JsonOptions), Status = RunStatus.Completed, TotalIterations = 1000,
        };
        change?.Invoke(run);
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GanDbContext>();
        db.Runs.Add(run);
        await db.SaveChangesAsync();
        return run;
    }

    /// Checkpoint rows at the iterations, each with a blob of <paramref name="sizeBytes"/> bytes under its immutable key.
    public static async Task AddCheckpointsAsync(GanApiFactory factory, Guid runId, IEnumerable<long> iterations, int sizeBytes)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GanDbContext>();
        var blobs = scope.ServiceProvider.GetRequiredService<IBlobStore>();
        foreach (var iteration in iterations)
        {
            var key = RunBlobKeys.Checkpoint(runId, iteration);
            await blobs.PutAsync(key, new byte[sizeBytes]);
            db.RunCheckpoints.Add(new RunCheckpoint { RunId = runId, Iteration = iteration, BlobKey = key, SizeBytes = sizeBytes });
        }
        await db.SaveChangesAsync();
    }
}
