using System.Net.Http.Json;
using System.Text.Json;
using GanService.Api.Tests.Infrastructure;
using GanService.Domain.Data;
using GanService.Domain.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static GanService.Api.Tests.Infrastructure.RunHelpers;

namespace GanService.Api.Tests.Jobs;

/// <summary>A run whose last iteration is also an evaluation iteration: that evaluation is in its history once.</summary>
public sealed class FinalEvaluationTests(SqliteApiFactory factory) : IClassFixture<SqliteApiFactory>
{
    [Theory]
    [InlineData(40, 20, 20)] // the last iteration samples, evaluates and checkpoints on schedule
    [InlineData(30, 20, 15)] // evaluates on schedule at the end, which is no checkpoint iteration
    public async Task The_evaluation_at_the_last_iteration_is_recorded_once(int iterations, int every, int evaluateEvery)
    {
        var (_, client, _) = await factory.CreateUserAsync("final-eval");
        var datasetId = await UploadDatasetAsync(client);
        var config = TinyConfig(iterations, every);
        config["evaluateEvery"] = evaluateEvery;
        var runId = (await StartRunAsync(client, datasetId, config)).Id();
        var run = await WaitForAsync(client, runId, r => r.Status() is RunStatus.Completed or RunStatus.Failed, seconds: 120);
        Assert.Equal(RunStatus.Completed, run.Status());

        var rows = (await client.GetFromJsonAsync<JsonElement[]>($"/api/runs/{runId}/metrics"))!;
        var evaluated = rows.Where(r => r.GetProperty("swd").ValueKind == JsonValueKind.Number).Select(r => r.GetProperty("iteration").GetInt64());
        Assert.Equal(Enumerable.Range(1, iterations / evaluateEvery).Select(i => (long)i * evaluateEvery), evaluated);
        var logged = rows.Where(r => r.GetProperty("lossD").ValueKind == JsonValueKind.Number).Select(r => r.GetProperty("iteration").GetInt64());
        Assert.Equal(Enumerable.Range(1, iterations / 10).Select(i => i * 10L), logged);
    }

    /// <summary>
    /// A worker that stopped after the final checkpoint was committed but before the run was marked completed (killed,
    /// or paused by a fault): the next attempt resumes at the last iteration and must not write its evaluation,
    /// losses or sample a second time.
    /// </summary>
    [Fact]
    public async Task A_run_resumed_at_its_last_iteration_does_not_repeat_its_final_rows()
    {
        var (_, client, _) = await factory.CreateUserAsync("final-resume");
        var datasetId = await UploadDatasetAsync(client);
        var config = TinyConfig(iterations: 45, every: 20);
        config["evaluateEvery"] = 15;
        config["checkpointEvery"] = 15; // the last iteration is a scheduled checkpoint: committed before the ending
        var runId = (await StartRunAsync(client, datasetId, config)).Id();
        Assert.Equal(RunStatus.Completed, (await WaitForAsync(client, runId, r => r.Status() is RunStatus.Completed or RunStatus.Failed, seconds: 120)).Status());
        var before = await client.GetStringAsync($"/api/runs/{runId}/metrics");

        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<GanDbContext>();
            // As the row stands when its worker died right after committing the checkpoint at 45.
            await db.Runs.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Running).SetProperty(r => r.FinishedAt, (DateTime?)null));
            await scope.ServiceProvider.GetRequiredService<RunLifecycle>().EnqueueAsync(runId);
        }
        var again = await WaitForAsync(client, runId, r => r.Status() is RunStatus.Completed or RunStatus.Failed && r.GetProperty("finishedAt").ValueKind == JsonValueKind.String, seconds: 120);
        Assert.Equal(RunStatus.Completed, again.Status());

        var rows = (await client.GetFromJsonAsync<JsonElement[]>($"/api/runs/{runId}/metrics"))!;
        Assert.Equal(new long[] { 15, 30, 45 }, rows.Where(r => r.GetProperty("swd").ValueKind == JsonValueKind.Number).Select(r => r.GetProperty("iteration").GetInt64()));
        Assert.Equal(new long[] { 10, 20, 30, 40, 45 }, rows.Where(r => r.GetProperty("lossD").ValueKind == JsonValueKind.Number).Select(r => r.GetProperty("iteration").GetInt64()));
        Assert.Equal(before, await client.GetStringAsync($"/api/runs/{runId}/metrics"));
    }
}
