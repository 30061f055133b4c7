using System.Net.Http.Json;
using System.Text.Json;
using GanService.Api.Tests.Infrastructure;
using GanService.Domain.Data;
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
}
