using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GanService.Api.Tests.Infrastructure;
using GanService.Domain.Data;
using GanService.Domain.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static GanService.Api.Tests.Infrastructure.RunHelpers;

namespace GanService.Api.Tests.Generation;

/// <summary>A checkpoint whose blob no longer matches the SHA-256 recorded when it was written is refused, not generated from.</summary>
public sealed class CorruptCheckpointTests(SqliteApiFactory factory) : IClassFixture<SqliteApiFactory>
{
    [Fact]
    public async Task Generate_and_export_refuse_a_corrupt_checkpoint_with_409_and_use_the_intact_ones()
    {
        var (_, client, _) = await factory.CreateUserAsync("corrupt-checkpoint");
        var datasetId = await UploadDatasetAsync(client);
        var runId = (await StartRunAsync(client, datasetId, TinyConfig(iterations: 40))).Id();
        await WaitForStatusAsync(client, runId, RunStatus.Completed, seconds: 120);

        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GanDbContext>();
        var blobs = scope.ServiceProvider.GetRequiredService<IBlobStore>();
        var checkpoint = await db.RunCheckpoints.AsNoTracking().SingleAsync(c => c.RunId == runId && c.Iteration == 20);
        Assert.Matches("^[0-9a-f]{64}$", checkpoint.Sha256);
        var bytes = (await blobs.ReadAllBytesAsync(checkpoint.BlobKey))!;
        bytes[^1] ^= 0x01; // one bit of the last byte: a loader that reads only the generator would not notice
        await blobs.PutAsync(checkpoint.BlobKey, bytes);

        var refused = await client.PostAsJsonAsync($"/api/runs/{runId}/generate", new { count = 4, seed = 1, iteration = 20 });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("corrupt", problem.GetProperty("detail").GetString());
        var export = await client.GetAsync($"/api/runs/{runId}/export?iteration=20");
        Assert.Equal(HttpStatusCode.Conflict, export.StatusCode);

        var intact = await client.PostAsJsonAsync($"/api/runs/{runId}/generate", new { count = 4, seed = 1, iteration = 40 });
        Assert.Equal(HttpStatusCode.OK, intact.StatusCode);
    }
}
