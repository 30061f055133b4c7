using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using GanService.Api.Tests.Infrastructure;
using GanService.Domain.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static GanService.Api.Tests.Infrastructure.RunHelpers;

namespace GanService.Api.Tests.Apis;

/// <summary>Server mode end to end: the API queues on Hangfire.PostgreSql, separate src/Worker processes train, blobs go to S3.</summary>
public sealed class ServerModeTests(ServerModeApiFactory factory, ITestOutputHelper output) : IClassFixture<ServerModeApiFactory>
{
    [Fact]
    public async Task A_separate_worker_process_completes_a_run_with_blobs_on_s3()
    {
        using var worker = factory.StartWorker("worker-a");
        var (_, client, _) = await factory.CreateUserAsync("server-user");
        var datasetId = await UploadDatasetAsync(client);

        var runId = (await StartRunAsync(client, datasetId, TinyConfig(iterations: 40))).Id();

        JsonElement run;
        try
        {
            run = await WaitForAsync(client, runId, r => r.Status() is RunStatus.Completed or RunStatus.Failed, seconds: 120);
        }
        catch (Exception problem) when (problem is not OutOfMemoryException)
        {
            throw new Xunit.Sdk.XunitException($"{problem.Message}\nworker log:\n{worker.Log}");
        }
        Assert.True(run.Status() == RunStatus.Completed, $"{run}\n{worker.Log}");
        var grid = await client.GetAsync($"/api/runs/{runId}/samples/40"); // read back from S3 by the API
        Assert.Equal("image/png", grid.Content.Headers.ContentType?.MediaType);
        Assert.Equal(new long[] { 20, 40 }, (await client.GetFromJsonAsync<JsonElement[]>($"/api/runs/{runId}/checkpoints"))!.Select(c => c.GetProperty("iteration").GetInt64()));
    }

    [Fact]
    public async Task A_killed_worker_s_run_resumes_from_its_checkpoint_on_another_worker_without_gaps_or_double_training()
    {
        var (_, client, _) = await factory.CreateUserAsync("kill-user");
        var datasetId = await UploadDatasetAsync(client);
        var first = factory.StartWorker("worker-killed");
        Guid runId;
        long killedAt, checkpointAtKill;
        try
        {
            runId = (await StartRunAsync(client, datasetId, TinyConfig(iterations: 600, every: 100))).Id();
            var running = await WaitForAsync(client, runId,
                r => r.Status() == RunStatus.Running && r.GetProperty("checkpointIteration").ValueKind == JsonValueKind.Number
                     && r.GetProperty("iteration").GetInt64() > r.GetProperty("checkpointIteration").GetInt64() + 20
                     || r.Status() is RunStatus.Completed or RunStatus.Failed, seconds: 120);
            Assert.True(running.Status() == RunStatus.Running, $"the run ended before it could be killed past a checkpoint: {running}");
            first.KillHard();
            var atKill = await GetRunAsync(client, runId);
            killedAt = atKill.GetProperty("iteration").GetInt64();
            checkpointAtKill = atKill.GetProperty("checkpointIteration").GetInt64();
        }
        finally
        {
            first.Dispose();
        }

        var killTime = Stopwatch.StartNew();
        using var second = factory.StartWorker("worker-resumes");
        var resumed = await WaitForAsync(client, runId, r => r.GetProperty("iteration").GetInt64() > killedAt, seconds: 120);
        var resumeSeconds = killTime.Elapsed.TotalSeconds;
        var done = await WaitForAsync(client, runId, r => r.Status() is RunStatus.Completed or RunStatus.Failed, seconds: 180);
        Assert.True(done.Status() == RunStatus.Completed, $"{done}\n{second.Log}");
        output.WriteLine($"kill -9 at iteration {killedAt} (checkpoint {checkpointAtKill}); training again {resumeSeconds:0.0} s after the kill; " +
                         $"iterations redone: {killedAt - checkpointAtKill}");

        // The history: every logging interval exactly once, from attempt 1 up to the checkpoint and attempt 2 after it.
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GanDbContext>();
        var rows = await db.RunMetrics.Where(m => m.RunId == runId && m.LossD != null).OrderBy(m => m.Iteration).Select(m => new { m.Iteration, m.Attempt }).ToListAsync();
        Assert.Equal(Enumerable.Range(1, 60).Select(i => i * 10L), rows.Select(r => r.Iteration));
        Assert.All(rows, r => Assert.Equal(r.Iteration <= checkpointAtKill ? 1 : 2, r.Attempt));
        var row = await db.Runs.AsNoTracking().SingleAsync(r => r.Id == runId);
        Assert.Equal(2, row.Attempt);
        Assert.Equal(new long[] { 100, 200, 300, 400, 500, 600 }, await db.RunCheckpoints.Where(c => c.RunId == runId).OrderBy(c => c.Iteration).Select(c => c.Iteration).ToArrayAsync());
    }

    [Fact]
    public async Task A_worker_stopped_with_sigterm_checkpoints_gives_the_run_back_and_the_next_worker_redoes_nothing()
    {
        var (_, client, _) = await factory.CreateUserAsync("sigterm-user");
        var datasetId = await UploadDatasetAsync(client);
        var first = factory.StartWorker("worker-stopped");
        Guid runId;
        try
        {
            runId = (await StartRunAsync(client, datasetId, TinyConfig(iterations: 600, every: 1000))).Id();
            await WaitForAsync(client, runId, r => r.Status() == RunStatus.Running && r.GetProperty("iteration").GetInt64() > 20, seconds: 120);
            Assert.True(first.Terminate(TimeSpan.FromSeconds(60)), $"the worker did not exit within 60 s of SIGTERM\n{first.Log}");
        }
        finally
        {
            first.Dispose();
        }

        // Given back at once (no lease left to lapse), with a checkpoint at the iteration it stopped on.
        var given = await GetRunAsync(client, runId);
        Assert.True(given.Status() == RunStatus.Queued, $"{given}\n{first.Log}");
        var stoppedAt = given.GetProperty("checkpointIteration").GetInt64();
        Assert.Equal(given.GetProperty("iteration").GetInt64(), stoppedAt);
        Assert.InRange(stoppedAt, 21, 599); // not a checkpoint interval (every 1000): written by the shutdown

        using var second = factory.StartWorker("worker-next");
        var done = await WaitForAsync(client, runId, r => r.Status() is RunStatus.Completed or RunStatus.Failed, seconds: 180);
        Assert.True(done.Status() == RunStatus.Completed, $"{done}\n{second.Log}");
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GanDbContext>();
        var rows = await db.RunMetrics.Where(m => m.RunId == runId && m.LossD != null).OrderBy(m => m.Iteration).Select(m => new { m.Iteration, m.Attempt }).ToListAsync();
        Assert.Equal(Enumerable.Range(1, 60).Select(i => i * 10L), rows.Select(r => r.Iteration));
        Assert.All(rows, r => Assert.Equal(r.Iteration <= stoppedAt ? 1 : 2, r.Attempt));
    }
}
