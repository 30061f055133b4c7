using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GanService.Api.Tests.Infrastructure;
using GanService.Domain.Data;
using GanService.Domain.Jobs;
using GanService.Domain.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static GanService.Api.Tests.Infrastructure.RunHelpers;

namespace GanService.Api.Tests.Jobs;

/// Retention on a constructed run (checkpoints every 100 to 1000, 4 KB each) in both storage modes.
public abstract class CheckpointRetentionTests<TFactory>(TFactory factory) where TFactory : GanApiFactory
{
    private const int Size = 4096;

    private async Task<(Guid UserId, HttpClient Client, Guid DatasetId)> UserWithDatasetAsync(string name, long? quotaMb = null)
    {
        var (userId, client, _) = await factory.CreateUserAsync(name, storageQuotaMb: quotaMb);
        return (userId, client, await UploadDatasetAsync(client));
    }

    private async Task<(List<long> Rows, List<string> Blobs)> KeptAsync(Guid runId)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GanDbContext>();
        var rows = await db.RunCheckpoints.Where(c => c.RunId == runId).OrderBy(c => c.Iteration).Select(c => c.Iteration).ToListAsync();
        var blobs = await scope.ServiceProvider.GetRequiredService<IBlobStore>().ListAsync(RunBlobKeys.Prefix(runId) + "ckpt/");
        return (rows, blobs.ToList());
    }

    private async Task<RetentionResult> ApplyAsync(Guid runId, int keepEvery)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await CheckpointRetention.ApplyAsync(scope.ServiceProvider.GetRequiredService<GanDbContext>(),
            scope.ServiceProvider.GetRequiredService<IBlobStore>(), runId, new RetentionSettings { KeepEvery = keepEvery });
    }

    [Fact]
    public async Task It_keeps_the_best_the_latest_the_pointer_forked_ones_and_every_nth_and_deletes_the_rest_rows_and_blobs()
    {
        var (userId, client, datasetId) = await UserWithDatasetAsync("keeper");
        // The best (300) was beaten by nothing; 450 was written for a best since beaten; the pointer names the latest.
        var run = await RunRows.InsertAsync(factory, userId, datasetId, r =>
            (r.BestIteration, r.BestSwd, r.CheckpointIteration, r.CheckpointKey) = (300, 31.5, 1000, RunBlobKeys.Checkpoint(r.Id, 1000)));
        await RunRows.AddCheckpointsAsync(factory, run.Id, [100, 200, 300, 400, 450, 500, 600, 700, 800, 900, 1000], Size);
        await RunRows.InsertAsync(factory, userId, datasetId, fork => (fork.ParentRunId, fork.ParentIteration) = (run.Id, 700));

        // Every 5th scheduled checkpoint: multiples of 5 x checkpointEvery (100).
        var result = await ApplyAsync(run.Id, keepEvery: 5);

        long[] kept = [300, 500, 700, 1000];
        Assert.Equal(kept, result.Kept);
        Assert.Equal([100L, 200, 400, 450, 600, 800, 900], result.Deleted);
        var (rows, blobs) = await KeptAsync(run.Id);
        Assert.Equal(kept, rows);
        Assert.Equal(kept.Select(i => RunBlobKeys.Checkpoint(run.Id, i)), blobs);
        Assert.Equal(kept.Length * Size, result.KeptBytes);

        // Applying it again changes nothing.
        var again = await ApplyAsync(run.Id, keepEvery: 5);
        Assert.Equal(kept, again.Kept);
        Assert.Empty(again.Deleted);

        // What it keeps counts against the quota, next to the dataset's images.
        var me = await (await client.GetAsync("/api/me")).ReadJsonAsync<JsonElement>();
        var usage = me.GetProperty("usage");
        Assert.Equal(kept.Length * Size, usage.GetProperty("checkpointBytes").GetInt64());
        Assert.Equal(result.OwnerUsage.TotalBytes, usage.GetProperty("storageBytes").GetInt64());
        Assert.Equal(usage.GetProperty("datasetBytes").GetInt64() + kept.Length * Size, usage.GetProperty("storageBytes").GetInt64());
        Assert.False(result.OverQuota);
    }

    [Fact]
    public async Task The_pointer_is_kept_even_when_it_is_not_the_latest_and_keepEvery_0_keeps_everything()
    {
        var (userId, _, datasetId) = await UserWithDatasetAsync("pointer");
        var run = await RunRows.InsertAsync(factory, userId, datasetId, r =>
            (r.Status, r.CheckpointIteration, r.CheckpointKey) = (RunStatus.Running, 450, RunBlobKeys.Checkpoint(r.Id, 450)));
        await RunRows.AddCheckpointsAsync(factory, run.Id, [100, 250, 450, 500], Size);

        Assert.Empty((await ApplyAsync(run.Id, keepEvery: 0)).Deleted);
        // keepEvery 1: every scheduled checkpoint (100, 500), the pointer (450); 250 (no best, no fork) goes.
        var result = await ApplyAsync(run.Id, keepEvery: 1);

        Assert.Equal([100L, 450, 500], result.Kept);
        Assert.Equal([250L], result.Deleted);
        Assert.Equal([100L, 450, 500], (await KeptAsync(run.Id)).Rows);
    }

    [Fact]
    public async Task Kept_checkpoints_fill_the_quota_so_an_upload_over_it_is_refused()
    {
        var (userId, client, datasetId) = await UserWithDatasetAsync("full", quotaMb: 1);
        var run = await RunRows.InsertAsync(factory, userId, datasetId, r => r.CheckpointIteration = 200);
        await RunRows.AddCheckpointsAsync(factory, run.Id, [100, 200], 1 << 19); // two halves of the megabyte

        var result = await ApplyAsync(run.Id, keepEvery: 1);

        Assert.True(result.OverQuota, $"usage {result.OwnerUsage}, quota {result.OwnerQuotaBytes}");
        var upload = await client.PostAsync("/api/datasets", Fixtures.Upload("more", ("photos.zip", Fixtures.PhonePhotosZip())));
        var problem = await upload.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("quota", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_runs_own_keepCheckpoints_wins_over_the_servers_setting()
    {
        var (userId, _, datasetId) = await UserWithDatasetAsync("own-retention");
        static void Keep(Run r, int? every)
        {
            var config = GanService.Domain.Gan.Training.GanTrainer.ReadConfig(r.ConfigJson) with { KeepCheckpoints = every };
            r.ConfigJson = JsonSerializer.Serialize(config, GanService.Domain.Gan.GanPresets.JsonOptions);
        }
        var all = await RunRows.InsertAsync(factory, userId, datasetId, r => Keep(r, 0));
        var everyOther = await RunRows.InsertAsync(factory, userId, datasetId, r => Keep(r, 2));
        foreach (var run in new[] { all, everyOther }) await RunRows.AddCheckpointsAsync(factory, run.Id, [100, 200, 300, 400, 500], Size);

        // The server says every 5th; the runs say all, and every 2nd (multiples of 200, and the latest).
        Assert.Empty((await ApplyAsync(all.Id, keepEvery: 5)).Deleted);
        var thinned = await ApplyAsync(everyOther.Id, keepEvery: 5);
        Assert.Equal([200L, 400, 500], thinned.Kept);
        Assert.Equal([100L, 300], thinned.Deleted);
    }

}

public sealed class SqliteCheckpointRetentionTests(SqliteApiFactory factory) : CheckpointRetentionTests<SqliteApiFactory>(factory), IClassFixture<SqliteApiFactory>;

/// Server storage: rows in PostgreSQL, blobs in s3rver.
public sealed class PostgresCheckpointRetentionTests(PostgresApiFactory factory) : CheckpointRetentionTests<PostgresApiFactory>(factory), IClassFixture<PostgresApiFactory>;
