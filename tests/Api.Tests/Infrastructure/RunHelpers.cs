using GanService.Domain.Data;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace GanService.Api.Tests.Infrastructure;

/// Datasets and tiny runs (16x16, width 8, batch 4: a few milliseconds a step) for the run tests.
public static class RunHelpers
{
    public static JsonObject TinyConfig(int iterations, int every = 20) => new()
    {
        ["resolution"] = 16,
        ["batchSize"] = 4,
        ["generatorChannels"] = 8,
        ["discriminatorChannels"] = 8,
        ["latentDim"] = 16,
        ["iterations"] = iterations,
        ["sampleEvery"] = every,
        ["checkpointEvery"] = every,
        ["evaluateEvery"] = iterations,
        ["threads"] = 1,
    };

    public static async Task<Guid> UploadDatasetAsync(HttpClient client, string name = "sketches")
    {
        var response = await client.PostAsync("/api/datasets", Fixtures.Upload(name, ("photos.zip", Fixtures.PhonePhotosZip())));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    public static async Task<JsonElement> StartRunAsync(HttpClient client, Guid datasetId, JsonObject config, string? preset = null)
    {
        var response = await client.PostAsJsonAsync("/api/runs", new { datasetId, preset, config });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static async Task<JsonElement> GetRunAsync(HttpClient client, Guid runId)
    {
        var response = await client.GetAsync($"/api/runs/{runId}");
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// Polls until the run's status satisfies <paramref name="done"/>; fails with the last state on timeout.
    public static async Task<JsonElement> WaitForAsync(HttpClient client, Guid runId, Func<JsonElement, bool> done, double seconds = 90)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        JsonElement run;
        do
        {
            run = await GetRunAsync(client, runId);
            if (done(run)) return run;
            await Task.Delay(100);
        } while (DateTime.UtcNow < deadline);
        Assert.Fail($"run {runId} did not get there in {seconds} s; last state: {run}\nserver log:\n{TestLog.TailOf(client)}");
        return run;
    }

    public static Task<JsonElement> WaitForStatusAsync(HttpClient client, Guid runId, RunStatus status, double seconds = 90) =>
        WaitForAsync(client, runId, r => r.Status() == status, seconds);

    public static RunStatus Status(this JsonElement run) => RunStatuses.Parse(run.GetProperty("status").GetString()!);

    public static Guid Id(this JsonElement run) => run.GetProperty("id").GetGuid();
}
