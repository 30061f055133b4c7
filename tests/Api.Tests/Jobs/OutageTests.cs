using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GanService.Api.Tests.Infrastructure;
using GanService.Domain.Data;
using GanService.Domain.Jobs;
using GanService.Domain.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static GanService.Api.Tests.Infrastructure.RunHelpers;

namespace GanService.Api.Tests.Jobs;

/// <summary>What the outage tests check of a completed run: its history has every row once, none missing.</summary>
internal static class History
{
    /// <summary>Every logging interval (10) and every evaluation exactly once, in order, from GET /metrics.</summary>
    public static async Task AssertWholeAsync(HttpClient client, Guid runId, int iterations, int evaluateEvery)
    {
        var rows = (await client.GetFromJsonAsync<JsonElement[]>($"/api/runs/{runId}/metrics"))!;
        long[] Where(string field) => rows.Where(r => r.GetProperty(field).ValueKind == JsonValueKind.Number).Select(r => r.GetProperty("iteration").GetInt64()).ToArray();
        Assert.Equal(Enumerable.Range(1, iterations / 10).Select(i => i * 10L), Where("lossD"));
        Assert.Equal(Enumerable.Range(1, iterations / evaluateEvery).Select(i => (long)i * evaluateEvery), Where("swd"));
    }

    /// <summary>The worker's log lines about faults: its retries, pauses and lost leases (for the test's output).</summary>
    public static IEnumerable<string> FaultLines(WorkerProcess worker) =>
        worker.Log.Split('\n').Where(l => l.Contains("try ", StringComparison.Ordinal) && l.Contains("again in", StringComparison.Ordinal)
                                           || l.Contains("paused", StringComparison.Ordinal) || l.Contains("queued again", StringComparison.Ordinal)
                                           || l.Contains("lease", StringComparison.OrdinalIgnoreCase) || l.Contains("claimed by", StringComparison.Ordinal))
            .Select(l => l.Trim());

    public static async Task<JsonElement> WaitEndAsync(HttpClient client, Guid runId, WorkerProcess worker, double seconds)
    {
        JsonElement run;
        try
        {
            run = await WaitForAsync(client, runId, r => r.Status() is RunStatus.Completed or RunStatus.Failed, seconds);
        }
        catch (Xunit.Sdk.XunitException problem)
        {
            throw new Xunit.Sdk.XunitException($"{problem.Message}\nworker log:\n{worker.Log}");
        }
        Assert.True(run.Status() == RunStatus.Completed, $"{run}\nworker log:\n{worker.Log}");
        return run;
    }
}

/// <summary>S3 goes away for 45 s in the middle of a run: the run waits in the queue, saying why, and completes.</summary>
public sealed class S3OutageTests(PrivateS3ServerModeFactory factory, ITestOutputHelper output) : IClassFixture<PrivateS3ServerModeFactory>
{
    [Fact]
    public async Task A_run_paused_by_a_45_s_storage_outage_resumes_and_completes_with_its_history_whole()
    {
        using var worker = factory.StartWorker("worker-s3-outage");
        var (_, client, _) = await factory.CreateUserAsync("s3-outage");
        var datasetId = await UploadDatasetAsync(client);
        var config = TinyConfig(iterations: 600, every: 100);
        config["evaluateEvery"] = 200; // the last iteration evaluates on schedule too
        var runId = (await StartRunAsync(client, datasetId, config)).Id();
        var before = await WaitForAsync(client, runId, r => r.Status() == RunStatus.Running && r.GetProperty("checkpointIteration").ValueKind == JsonValueKind.Number
                                                            || r.Status() is RunStatus.Completed or RunStatus.Failed, seconds: 120);
        Assert.True(before.Status() == RunStatus.Running, $"the run ended before the outage: {before}\n{worker.Log}");

        factory.S3.Stop();
        var outage = Stopwatch.StartNew();
        JsonElement waiting;
        TimeSpan pausedAfter;
        try
        {
            // The retries (about 25 s) give up; the run goes back to the queue and says what it waits for.
            waiting = await WaitForAsync(client, runId, r => r.Status() == RunStatus.Queued && r.TryGetProperty("waitingReason", out var reason) && reason.ValueKind == JsonValueKind.String
                                                             || r.Status() is RunStatus.Completed or RunStatus.Failed, seconds: 44);
            pausedAfter = outage.Elapsed;
            using var anonymous = factory.CreateClient();
            var probe = Stopwatch.StartNew();
            var ready = await anonymous.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            output.WriteLine($"/health/ready during the outage: {(int)ready.StatusCode} in {probe.Elapsed.TotalSeconds:0.0} s");
        }
        finally
        {
            var left = TimeSpan.FromSeconds(45) - outage.Elapsed;
            if (left > TimeSpan.Zero) await Task.Delay(left); // the outage itself
            factory.S3.Start();
        }
        Assert.True(waiting.Status() == RunStatus.Queued, $"{waiting}\n{worker.Log}");
        var reason = waiting.GetProperty("waitingReason").GetString()!;
        Assert.StartsWith("Waiting for storage: ", reason);
        output.WriteLine($"paused {pausedAfter.TotalSeconds:0} s into the outage at iteration {waiting.GetProperty("iteration")}: {reason}");

        var done = await History.WaitEndAsync(client, runId, worker, seconds: 240);
        Assert.Equal(JsonValueKind.Null, done.GetProperty("waitingReason").ValueKind);
        output.WriteLine($"completed {outage.Elapsed.TotalSeconds:0} s after the storage went away");
        foreach (var line in History.FaultLines(worker)) output.WriteLine(line);
        await History.AssertWholeAsync(client, runId, iterations: 600, evaluateEvery: 200);
        Assert.Equal(new long[] { 100, 200, 300, 400, 500, 600 },
            (await client.GetFromJsonAsync<JsonElement[]>($"/api/runs/{runId}/checkpoints"))!.Select(c => c.GetProperty("iteration").GetInt64()));
        using var again = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("/health/ready")).StatusCode);
    }
}

/// <summary>PostgreSQL restarts in the middle of a run: the API and the worker reconnect and the run completes.</summary>
public sealed class PostgresRestartTests(PrivatePostgresServerModeFactory factory, ITestOutputHelper output) : IClassFixture<PrivatePostgresServerModeFactory>
{
    [Fact]
    public async Task A_run_survives_a_database_restart_and_completes_with_its_history_whole()
    {
        using var worker = factory.StartWorker("worker-pg-restart");
        var (_, client, _) = await factory.CreateUserAsync("pg-restart");
        var datasetId = await UploadDatasetAsync(client);
        var config = TinyConfig(iterations: 600, every: 100);
        config["evaluateEvery"] = 200;
        var runId = (await StartRunAsync(client, datasetId, config)).Id();
        var before = await WaitForAsync(client, runId, r => r.Status() == RunStatus.Running && r.GetProperty("iteration").GetInt64() > 100
                                                            || r.Status() is RunStatus.Completed or RunStatus.Failed, seconds: 120);
        Assert.True(before.Status() == RunStatus.Running, $"the run ended before the restart: {before}\n{worker.Log}");

        var restart = Stopwatch.StartNew();
        factory.Postgres.Restart(); // a fast shutdown ends every session (57P01), then a start
        output.WriteLine($"restarted PostgreSQL in {restart.Elapsed.TotalSeconds:0.0} s at iteration {before.GetProperty("iteration")}");

        // The API's pooled connections died with the server: a request may get 503 with Retry-After, never a 500,
        // and the API answers again by itself.
        var unavailable = 0;
        while (true)
        {
            var response = await client.GetAsync($"/api/runs/{runId}");
            if (response.IsSuccessStatusCode) break;
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.NotNull(response.Headers.RetryAfter);
            Assert.True(++unavailable < 50, "the API did not answer again after the restart");
            await Task.Delay(100);
        }
        output.WriteLine($"503 answers after the restart: {unavailable}");

        var done = await History.WaitEndAsync(client, runId, worker, seconds: 180);
        output.WriteLine($"completed {restart.Elapsed.TotalSeconds:0} s after the restart");
        foreach (var line in History.FaultLines(worker)) output.WriteLine(line);
        await History.AssertWholeAsync(client, runId, iterations: 600, evaluateEvery: 200);
        Assert.Equal(JsonValueKind.Null, done.GetProperty("waitingReason").ValueKind);
    }
}

/// <summary>
/// The worker killed while a checkpoint upload is in flight (held by a proxy): no pointer names the partial one; then
/// the committed checkpoint's blob corrupted in storage: the next worker falls back to the one before it.
/// </summary>
public sealed class CheckpointUploadKillTests(PrivateS3ServerModeFactory factory, ITestOutputHelper output) : IClassFixture<PrivateS3ServerModeFactory>
{
    [Fact]
    public async Task A_worker_killed_mid_upload_leaves_the_previous_checkpoint_and_a_corrupt_one_is_passed_over()
    {
        var (_, client, _) = await factory.CreateUserAsync("upload-kill");
        var datasetId = await UploadDatasetAsync(client);
        using var proxy = new HoldingProxy(factory.S3.Port, line => line.Contains("/ckpt/000000060", StringComparison.Ordinal));
        var first = factory.StartWorker("worker-mid-upload", new Dictionary<string, string> { ["Storage:S3:ServiceUrl"] = $"http://127.0.0.1:{proxy.Port}" });
        Guid runId;
        try
        {
            runId = (await StartRunAsync(client, datasetId, TinyConfig(iterations: 100, every: 20))).Id();
            var held = await proxy.Held.Task.WaitAsync(TimeSpan.FromSeconds(120));
            output.WriteLine($"held: {held}");
            first.KillHard();
        }
        catch (TimeoutException)
        {
            throw new Xunit.Sdk.XunitException($"no checkpoint upload at 60 was seen\n{first.Log}");
        }
        finally
        {
            first.Dispose();
        }

        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GanDbContext>();
        var atKill = await db.Runs.AsNoTracking().SingleAsync(r => r.Id == runId);
        Assert.Equal(40, atKill.CheckpointIteration);
        var checkpoints = await db.RunCheckpoints.AsNoTracking().Where(c => c.RunId == runId).OrderBy(c => c.Iteration).ToListAsync();
        Assert.Equal(new long[] { 20, 40 }, checkpoints.Select(c => c.Iteration));
        var blobs = scope.ServiceProvider.GetRequiredService<IBlobStore>();
        foreach (var checkpoint in checkpoints) // what the pointer and the rows name is complete
            Assert.Equal(checkpoint.Sha256, CheckpointIntegrity.Sha256Of((await blobs.ReadAllBytesAsync(checkpoint.BlobKey))!));

        // The pointer's blob changed in storage (one byte): the next attempt must not train on it.
        var pointer = (await blobs.ReadAllBytesAsync(atKill.CheckpointKey!))!;
        pointer[pointer.Length / 2] ^= 0xFF;
        await blobs.PutAsync(atKill.CheckpointKey!, pointer);

        using var second = factory.StartWorker("worker-after-kill");
        await History.WaitEndAsync(client, runId, second, seconds: 180);
        Assert.Contains("corrupt", second.Log, StringComparison.Ordinal);
        await History.AssertWholeAsync(client, runId, iterations: 100, evaluateEvery: 100);
        var rows = await db.RunMetrics.AsNoTracking().Where(m => m.RunId == runId && m.LossD != null).OrderBy(m => m.Iteration).Select(m => new { m.Iteration, m.Attempt }).ToListAsync();
        Assert.All(rows, r => Assert.Equal(r.Iteration <= 20 ? 1 : 2, r.Attempt)); // resumed from 20, the intact one
        var final = await db.RunCheckpoints.AsNoTracking().Where(c => c.RunId == runId).OrderBy(c => c.Iteration).ToListAsync();
        Assert.Equal(new long[] { 20, 40, 60, 80, 100 }, final.Select(c => c.Iteration));
        foreach (var checkpoint in final)
            Assert.Equal(checkpoint.Sha256, CheckpointIntegrity.Sha256Of((await blobs.ReadAllBytesAsync(checkpoint.BlobKey))!));
    }
}

/// <summary>S3 answers 500 a few times while the worker reads the dataset (seen by a user: the run failed at 0 for good).</summary>
public sealed class FlakyS3Tests(PrivateS3ServerModeFactory factory, ITestOutputHelper output) : IClassFixture<PrivateS3ServerModeFactory>
{
    [Fact]
    public async Task Some_500s_while_reading_the_dataset_are_retried_and_the_run_completes_in_its_first_attempt()
    {
        var (_, client, _) = await factory.CreateUserAsync("flaky-s3");
        var datasetId = await UploadDatasetAsync(client);
        // More 500s in a row than the S3 client's own retries take, fewer than the job's.
        using var proxy = new HoldingProxy(factory.S3.Port, _ => false,
            fail: line => line.StartsWith("GET ", StringComparison.Ordinal) && line.Contains("/datasets/", StringComparison.Ordinal), failures: 8);
        using var worker = factory.StartWorker("worker-flaky", new Dictionary<string, string> { ["Storage:S3:ServiceUrl"] = $"http://127.0.0.1:{proxy.Port}" });
        var runId = (await StartRunAsync(client, datasetId, TinyConfig(iterations: 20))).Id();
        await History.WaitEndAsync(client, runId, worker, seconds: 120);

        Assert.Equal(8, proxy.Failed);
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GanDbContext>();
        Assert.Equal(1, (await db.Runs.AsNoTracking().SingleAsync(r => r.Id == runId)).Attempt); // never paused
        var retries = History.FaultLines(worker).Where(l => l.Contains("again in", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(retries);
        foreach (var line in retries) output.WriteLine(line);
    }
}
