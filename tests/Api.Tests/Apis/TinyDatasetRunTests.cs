using System.Net.Http.Json;
using System.Text.Json;
using GanService.Api.Tests.Infrastructure;
using GanService.Domain.Data;
using static GanService.Api.Tests.Infrastructure.RunHelpers;

namespace GanService.Api.Tests.Apis;

/// A run on very few images: the figures that such a set cannot give are left empty, and the run still completes.
public sealed class TinyDatasetRunTests(SqliteApiFactory factory) : IClassFixture<SqliteApiFactory>
{
    [Fact]
    public async Task A_run_on_three_images_completes_with_its_evaluation_stored()
    {
        // Found in the studio's browser test: with one of four images left out, the last evaluation gave a NaN that
        // the database refused ("Cannot store 'NaN' values") and the finished run was marked failed.
        var (_, client, _) = await factory.CreateUserAsync("three-images");
        var datasetId = await UploadDatasetAsync(client);
        var images = await client.GetFromJsonAsync<JsonElement>($"/api/datasets/{datasetId}/images");
        var first = images[0].GetProperty("id").GetGuid();
        (await client.PatchAsJsonAsync($"/api/datasets/{datasetId}/images/{first}", new { excluded = true })).EnsureSuccessStatusCode();

        var config = TinyConfig(iterations: 12, every: 6);
        config["batchSize"] = 32; // more than the set: the batch is drawn with replacement
        var run = await WaitForAsync(client, (await StartRunAsync(client, datasetId, config)).Id(), r => r.Status().IsTerminal());

        Assert.True(run.Status() == RunStatus.Completed, run.ToString());
        Assert.True(run.GetProperty("metrics").GetProperty("swd").GetDouble() > 0, run.ToString());
        var evaluations = (await client.GetFromJsonAsync<JsonElement>($"/api/runs/{run.Id()}/metrics")).EnumerateArray()
            .Where(row => row.TryGetProperty("swd", out var swd) && swd.ValueKind == JsonValueKind.Number).ToList();
        Assert.NotEmpty(evaluations);
    }
}
