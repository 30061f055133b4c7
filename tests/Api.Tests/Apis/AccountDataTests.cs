using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GanService.Api.Tests.Infrastructure;
using GanService.Domain.Data;
using GanService.Domain.Jobs;
using GanService.Domain.Storage;
using Microsoft.Extensions.DependencyInjection;
using static GanService.Api.Tests.Infrastructure.RunHelpers;

namespace GanService.Api.Tests.Apis;

/// A user takes all of their data away in one archive, and deletes their account with everything in it.
public sealed class AccountDataTests(SqliteApiFactory factory) : IClassFixture<SqliteApiFactory>
{
    [Fact]
    public async Task The_export_holds_the_account_the_originals_and_every_runs_metrics_samples_and_checkpoints()
    {
        var (_, client, apiKey) = await factory.CreateUserAsync("leaver");
        var datasetId = await UploadDatasetAsync(client);
        var run = await WaitForAsync(client, (await StartRunAsync(client, datasetId, TinyConfig(iterations: 10, every: 5))).Id(), r => r.Status().IsTerminal());
        Assert.Equal(RunStatus.Completed, run.Status());

        var response = await client.GetAsync("/api/me/export");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        using var zip = new ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync()));
        var names = zip.Entries.Select(e => e.FullName).ToList();
        string Text(string name) { using var reader = new StreamReader(zip.GetEntry(name)!.Open()); return reader.ReadToEnd(); }

        var account = JsonDocument.Parse(Text("account.json")).RootElement;
        Assert.Equal("leaver", account.GetProperty("name").GetString());
        Assert.DoesNotContain(apiKey, Text("account.json"), StringComparison.Ordinal);
        var dataset = JsonDocument.Parse(Text($"datasets/{datasetId}/dataset.json")).RootElement;
        Assert.Equal(4, dataset.GetProperty("images").GetArrayLength());
        foreach (var image in dataset.GetProperty("images").EnumerateArray())
            Assert.Contains($"datasets/{datasetId}/{image.GetProperty("file").GetString()}", names);
        var runId = run.Id();
        Assert.Equal(RunStatus.Completed.ToWire(), JsonDocument.Parse(Text($"runs/{runId}/run.json")).RootElement.GetProperty("status").GetString());
        Assert.StartsWith("iteration,", Text($"runs/{runId}/metrics.csv"), StringComparison.Ordinal);
        Assert.Contains($"runs/{runId}/samples/00000010.png", names);
        Assert.Contains($"runs/{runId}/checkpoints/00000010.ckpt", names);
        Assert.Contains("sweeps.json", names);
    }

    [Fact]
    public async Task Deleting_the_account_removes_its_runs_datasets_blobs_and_keys()
    {
        var (userId, client, _) = await factory.CreateUserAsync("gone");
        var datasetId = await UploadDatasetAsync(client);
        var runId = (await WaitForAsync(client, (await StartRunAsync(client, datasetId, TinyConfig(iterations: 10, every: 5))).Id(), r => r.Status().IsTerminal())).Id();
        var (_, other, _) = await factory.CreateUserAsync("stays");
        var kept = await UploadDatasetAsync(other);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/api/me")).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/me")).StatusCode);
        using var admin = factory.CreateAdminClient();
        var users = await admin.GetFromJsonAsync<JsonElement>("/api/users");
        Assert.DoesNotContain(users.EnumerateArray(), u => u.GetProperty("id").GetGuid() == userId);
        var store = factory.Services.GetRequiredService<IBlobStore>();
        Assert.Empty(await store.ListAsync($"datasets/{datasetId}/"));
        Assert.Empty(await store.ListAsync(RunBlobKeys.Prefix(runId)));
        // Nobody else's data is touched.
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync($"/api/datasets/{kept}")).StatusCode);
        Assert.NotEmpty(await store.ListAsync($"datasets/{kept}/"));
    }

    [Fact]
    public async Task The_only_admin_cannot_delete_their_account()
    {
        using var admin = factory.CreateAdminClient();
        var refused = await admin.DeleteAsync("/api/me");
        await refused.AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/me")).StatusCode);
    }
}
