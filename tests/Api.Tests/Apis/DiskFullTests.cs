using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GanService.Api.Tests.Infrastructure;
using Xunit.Abstractions;
using GanService.Domain.Storage;
using Microsoft.Data.Sqlite;

namespace GanService.Api.Tests.Apis;

/// <summary>
/// Embedded mode with its data directory (SQLite database and blobs) on an 8 MB tmpfs that the test fills up for real:
/// an upload then gets 507 and stores nothing, what was stored before reads back byte for byte, the database stays
/// intact, and uploads work again once space is freed.
/// </summary>
public sealed class DiskFullTests(ITestOutputHelper output)
{
    [TmpfsFact]
    public async Task A_full_disk_refuses_uploads_with_507_and_damages_nothing()
    {
        using var disk = Tmpfs.Mount(8);
        await using var factory = new DataDirectoryApiFactory(disk.Path);
        var (_, client, _) = await factory.CreateUserAsync("uploader");

        var before = await UploadAsync(client, "before", 3, seed: 0);
        Assert.Equal(HttpStatusCode.Created, before.StatusCode);
        var beforeId = (await before.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var originals = await ReadImagesAsync(client, beforeId);

        // Fill what is left, as another program on the same disk would, until the kernel says ENOSPC.
        var filler = Path.Combine(disk.Path, "filler.bin");
        var full = FillUp(filler);
        Assert.True(StorageFaults.IsDiskFull(full), full.ToString());

        var refused = await UploadAsync(client, "while full", 3, seed: 100);
        var body = await refused.Content.ReadAsStringAsync();
        Assert.True(refused.StatusCode == HttpStatusCode.InsufficientStorage, $"{refused.StatusCode}: {body}");
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal(507, problem.GetProperty("status").GetInt32());
        Assert.Equal("Insufficient Storage", problem.GetProperty("title").GetString());
        Assert.Contains("disk is full", problem.GetProperty("detail").GetString());

        // A small database write on the full disk: SQLite may still have room in its WAL; if not, it is a 507 too, never a 500.
        var images = await client.GetFromJsonAsync<JsonElement>($"/api/datasets/{beforeId}/images");
        var patch = await client.PatchAsJsonAsync($"/api/datasets/{beforeId}/images/{images[0].GetProperty("id").GetGuid()}",
            new { tags = Enumerable.Range(0, 32).Select(i => $"tag-{i}-{new string('x', 50)}").ToList() });
        output.WriteLine($"PATCH on the full disk: {(int)patch.StatusCode}");
        Assert.Contains(patch.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.InsufficientStorage });

        // Nothing of the refused upload is left, not even a temporary file, and no blob is short.
        var blobs = Path.Combine(disk.Path, "blobs");
        Assert.Empty(Directory.EnumerateFiles(blobs, "*.partial", SearchOption.AllDirectories));
        Assert.Equal([$"{beforeId}"], Directory.GetDirectories(Path.Combine(blobs, "datasets")).Select(Path.GetFileName));

        File.Delete(filler);

        var listed = await client.GetFromJsonAsync<JsonElement>("/api/datasets");
        Assert.Equal([beforeId], listed.EnumerateArray().Select(d => d.GetProperty("id").GetGuid()));
        Assert.Equal(originals, await ReadImagesAsync(client, beforeId));
        Assert.Equal("ok", IntegrityCheck(Path.Combine(disk.Path, "ganservice.db")));

        var after = await UploadAsync(client, "after", 3, seed: 100);
        Assert.Equal(HttpStatusCode.Created, after.StatusCode);
        var afterId = (await after.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        Assert.Equal(3, (await ReadImagesAsync(client, afterId)).Count);
    }

    /// <summary>Writes to the file until the disk refuses; returns what the refusal threw.</summary>
    private static IOException FillUp(string path)
    {
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
        var chunk = new byte[64 << 10];
        try
        {
            for (var written = 0L; written < 1L << 30; written += chunk.Length) file.Write(chunk);
        }
        catch (IOException exception)
        {
            return exception;
        }
        throw new InvalidOperationException($"1 GB went onto the small disk at {path}: it is not the tmpfs.");
    }

    private static Task<HttpResponseMessage> UploadAsync(HttpClient client, string name, int images, int seed) =>
        client.PostAsync("/api/datasets", Fixtures.Upload(name,
            Enumerable.Range(seed, images).Select(i => ($"noise-{i}.png", HostileFiles.NoisePng(256, i))).ToArray()));

    /// <summary>Each image's stored bytes, in upload order.</summary>
    private static async Task<List<byte[]>> ReadImagesAsync(HttpClient client, Guid datasetId)
    {
        var images = await client.GetFromJsonAsync<JsonElement>($"/api/datasets/{datasetId}/images");
        var bytes = new List<byte[]>();
        foreach (var image in images.EnumerateArray())
        {
            var response = await client.GetAsync($"/api/datasets/{datasetId}/images/{image.GetProperty("id").GetGuid()}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            bytes.Add(await response.Content.ReadAsByteArrayAsync());
        }
        return bytes;
    }

    private static string IntegrityCheck(string database)
    {
        using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check";
        return (string)command.ExecuteScalar()!;
    }

    /// <summary>Embedded mode (SQLite, blob files) with the data directory given.</summary>
    private sealed class DataDirectoryApiFactory(string dataDirectory) : GanApiFactory
    {
        protected override IReadOnlyDictionary<string, string?> DatabaseSettings => new Dictionary<string, string?> { ["Database:Provider"] = "Sqlite" };

        protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["DataDirectory"] = dataDirectory };
    }
}
