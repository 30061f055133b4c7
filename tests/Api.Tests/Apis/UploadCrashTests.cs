using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GanService.Api.Tests.Infrastructure;
using Xunit.Abstractions;
using GanService.Domain.Data;
using GanService.Domain.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GanService.Api.Tests.Apis;

/// <summary>
/// Server mode (PostgreSQL, s3rver) with the API as a real process: an upload killed with -9 while it writes its blobs
/// leaves no dataset, and the orphan-blob cleanup removes what it left, at start-up and on its timer, without ever
/// touching an upload in flight in another API process or a committed dataset.
/// </summary>
public sealed class UploadCrashTests(ITestOutputHelper output)
{

    [Fact]
    public async Task An_upload_killed_mid_way_leaves_no_dataset_and_the_start_up_cleanup_removes_its_blobs()
    {
        await using var factory = new ServerModeApiFactory();
        await factory.InitializeAsync();
        var store = factory.Services.GetRequiredService<IBlobStore>();
        var (_, client, apiKey) = await factory.CreateUserAsync("uploader", storageQuotaMb: 4096);
        var kept = await RunHelpers.UploadDatasetAsync(client, "committed before");
        var keptKeys = await store.ListAsync($"datasets/{kept}/");
        Assert.NotEmpty(keptKeys);

        // A timer that never comes round in the test: only the start-up pass can clean up after the restart.
        var settings = ApiSettings(factory, intervalMinutes: "600", orphanAgeMinutes: "0.05"); // orphans from 3 s
        string[] orphans;
        using (var api = new ApiProcess(settings))
        {
            await api.WaitUntilLiveAsync();
            using var http = api.CreateClient(apiKey);
            var upload = http.PostAsync("/api/datasets", LargeUpload(300));
            var clock = Stopwatch.StartNew();
            while (true)
            {
                if (upload.IsCompleted)
                    Assert.Fail($"The upload ended ({(upload.IsCompletedSuccessfully ? (await upload).StatusCode : upload.Exception)}) before any of its blobs was seen; make it larger.\n{api.Log}");
                if ((await OtherKeysAsync(store, kept)).Length >= 5) break;
                if (clock.Elapsed > TimeSpan.FromMinutes(2)) Assert.Fail($"No blob of the upload after 2 minutes.\n{api.Log}");
                await Task.Delay(20);
            }
            api.KillHard();
            output.WriteLine($"killed after {clock.Elapsed.TotalSeconds:0.0} s");
            await Assert.ThrowsAnyAsync<Exception>(() => upload); // the connection died with the process
            orphans = await OtherKeysAsync(store, kept);
        }
        output.WriteLine($"{orphans.Length} blobs left by the killed upload");
        Assert.NotEmpty(orphans);

        // No dataset, not even part of one: neither in the database nor through another API instance.
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<GanDbContext>();
            Assert.Equal([kept], await db.Datasets.Select(d => d.Id).ToListAsync());
            Assert.Equal(0, await db.DatasetImages.CountAsync(image => image.DatasetId != kept));
        }
        var listed = await client.GetFromJsonAsync<JsonElement>("/api/datasets");
        Assert.Equal([kept], listed.EnumerateArray().Select(d => d.GetProperty("id").GetGuid()));

        // Past the orphan age, a restarted API removes them in its start-up pass.
        await Task.Delay(TimeSpan.FromSeconds(3.5));
        using (var restarted = new ApiProcess(settings))
        {
            await restarted.WaitUntilLiveAsync();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while ((await OtherKeysAsync(store, kept)).Length > 0 && DateTime.UtcNow < deadline) await Task.Delay(200);
            Assert.True((await OtherKeysAsync(store, kept)).Length == 0, $"orphans left after the restart:\n{restarted.Log}");
            Assert.Contains("orphan blob folder", restarted.Log);
        }
        // The committed dataset is whole.
        Assert.Equal(keptKeys, await store.ListAsync($"datasets/{kept}/"));
        var images = await client.GetFromJsonAsync<JsonElement>($"/api/datasets/{kept}/images");
        foreach (var image in images.EnumerateArray())
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/datasets/{kept}/images/{image.GetProperty("id").GetGuid()}")).StatusCode);
    }

    [Fact]
    public async Task The_timer_pass_removes_orphans_but_not_an_upload_in_flight_in_another_process()
    {
        await using var factory = new ServerModeApiFactory();
        await factory.InitializeAsync();
        var store = factory.Services.GetRequiredService<IBlobStore>();
        var (_, client, _) = await factory.CreateUserAsync("uploader", storageQuotaMb: 4096);
        var kept = await RunHelpers.UploadDatasetAsync(client, "committed");
        var keptKeys = await store.ListAsync($"datasets/{kept}/");

        // A second API process whose cleanup passes every 0.6 s, orphans counted from 1.8 s (S3 may round times to seconds).
        const double orphanAgeSeconds = 1.8;
        using var cleaner = new ApiProcess(ApiSettings(factory, intervalMinutes: "0.01", orphanAgeMinutes: "0.03"));
        await cleaner.WaitUntilLiveAsync();
        await Task.Delay(1000); // its start-up pass is behind it: what goes next can only go on the timer

        // What a killed upload and a run deleted before its blobs leave behind, and keys the cleanup does not own.
        var orphanDataset = $"datasets/{Guid.NewGuid()}/";
        var orphanRun = $"runs/{Guid.NewGuid():N}/";
        await store.PutAsync($"{orphanDataset}images/{Guid.NewGuid():N}.png", HostileFiles.GoodPng());
        await store.PutAsync($"{orphanRun}ckpt/000000100", new byte[1000]);
        string[] foreign = ["datasets/not-a-guid/x.png", "exports/archive.zip"];
        foreach (var key in foreign) await store.PutAsync(key, new byte[10]);

        // Meanwhile a large upload through the other API instance: its folder has no row until it commits, and its
        // first blobs are older than the orphan age before its last are written.
        var clock = Stopwatch.StartNew();
        var response = await client.PostAsync("/api/datasets", LargeUpload(500));
        output.WriteLine($"upload took {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        // Only an upload that outlives the orphan age shows that its folder is judged by its newest blob.
        Assert.True(clock.Elapsed.TotalSeconds > 2 * orphanAgeSeconds, $"The upload took {clock.Elapsed.TotalSeconds:0.0} s; make it larger.");
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = created.GetProperty("id").GetGuid();
        Assert.Equal(500, created.GetProperty("imageCount").GetInt32());
        // Every image row has its blob (500 GETs would meet the rate limit; the store is asked directly).
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<GanDbContext>();
            var rows = await db.DatasetImages.Where(image => image.DatasetId == id).Select(image => image.BlobKey).OrderBy(key => key).ToListAsync();
            Assert.Equal(500, rows.Count);
            Assert.Equal(rows.Order(StringComparer.Ordinal), await store.ListAsync($"datasets/{id}/"));
        }

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && ((await store.ListAsync(orphanDataset)).Count > 0 || (await store.ListAsync(orphanRun)).Count > 0))
            await Task.Delay(200);
        Assert.Empty(await store.ListAsync(orphanDataset));
        Assert.Empty(await store.ListAsync(orphanRun));
        foreach (var key in foreign) Assert.NotNull(await store.ReadAllBytesAsync(key));
        Assert.Equal(keptKeys, await store.ListAsync($"datasets/{kept}/"));
        Assert.Equal(500, (await store.ListAsync($"datasets/{id}/")).Count);
        Assert.Contains("orphan blob folder", cleaner.Log);
        foreach (var key in foreign) await store.DeleteAsync(key);
    }

    /// <summary>The factory's database and bucket, as a server-mode API process gets them.</summary>
    private static Dictionary<string, string?> ApiSettings(ServerModeApiFactory factory, string intervalMinutes, string orphanAgeMinutes)
    {
        var settings = factory.SharedSettings.ToDictionary(kv => kv.Key, kv => (string?)kv.Value);
        settings["Auth:AdminKey"] = GanApiFactory.AdminKey;
        settings["DataDirectory"] = Path.Combine(factory.DataDirectory, "api-process");
        settings["Cleanup:IntervalMinutes"] = intervalMinutes;
        settings["Cleanup:OrphanAgeMinutes"] = orphanAgeMinutes;
        return settings;
    }

    /// <summary>
    /// A zip of distinct noise images (about 37 KB each; a form takes at most 64 parts): each is decoded, re-encoded and
    /// stored, one blob at a time.
    /// </summary>
    private static MultipartFormDataContent LargeUpload(int images) =>
        Fixtures.Upload("large", ("noise.zip", Fixtures.Zip(Enumerable.Range(0, images).Select(i => ($"noise-{i:D3}.png", HostileFiles.NoisePng(192, seed: i))).ToArray())));

    private static async Task<string[]> OtherKeysAsync(IBlobStore store, Guid kept) =>
        (await store.ListAsync("datasets/")).Where(key => !key.StartsWith($"datasets/{kept}/", StringComparison.Ordinal)).ToArray();
}
