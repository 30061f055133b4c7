using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GanService.Api.Tests.Infrastructure;
using GanService.Domain.Storage;
using Microsoft.Extensions.DependencyInjection;
using SkiaSharp;

namespace GanService.Api.Tests.Apis;

public abstract class DatasetsApiTests<TFactory>(TFactory factory) where TFactory : GanApiFactory
{
    private async Task<(HttpClient Client, DatasetCreated Dataset)> UploadPhonePhotosAsync()
    {
        var (_, client, _) = await factory.CreateUserAsync();
        var created = await (await client.PostAsync("/api/datasets", Fixtures.Upload("sketches", ("photos.zip", Fixtures.PhonePhotosZip()))))
            .ReadJsonAsync<DatasetCreated>(HttpStatusCode.Created);
        return (client, created);
    }

    [Fact]
    public async Task A_zip_of_phone_photos_becomes_a_dataset_of_gray_png_originals()
    {
        var (client, created) = await UploadPhonePhotosAsync();
        Assert.Equal(Fixtures.PhonePhotos.Length, created.ImageCount);
        Assert.Equal(1, created.Channels);
        Assert.Empty(created.Rejected);

        var dataset = await (await client.GetAsync($"/api/datasets/{created.Id}")).ReadJsonAsync<DatasetInfo>();
        Assert.Equal(("sketches", 4, 4), (dataset.Name, dataset.ImageCount, dataset.IncludedCount));
        Assert.Contains(await (await client.GetAsync("/api/datasets")).ReadJsonAsync<List<DatasetInfo>>(), d => d.Id == created.Id);

        var images = await (await client.GetAsync($"/api/datasets/{created.Id}/images")).ReadJsonAsync<List<ImageInfo>>();
        Assert.Equal(Fixtures.PhonePhotos.Select(name => $"photos.zip/{name}"), images.Select(image => image.FileName));
        Assert.All(images, image => Assert.Equal((200, 200), (image.Width, image.Height)));

        using var original = await (await client.GetAsync($"/api/datasets/{created.Id}/images/{images[0].Id}")).ReadPngAsync();
        Assert.Equal((200, 200), (original.Width, original.Height));
        Assert.Equal(SKColorType.Gray8, original.ColorType);

        var me = await (await client.GetAsync("/api/me")).ReadJsonAsync<JsonElement>();
        Assert.Equal(created.StorageBytes, me.GetProperty("usage").GetProperty("storageBytes").GetInt64());
    }

    [Fact]
    public async Task Prepared_image_is_square_at_the_resolution_and_cleaned()
    {
        var (client, created) = await UploadPhonePhotosAsync();
        var images = await (await client.GetAsync($"/api/datasets/{created.Id}/images")).ReadJsonAsync<List<ImageInfo>>();

        using var prepared = await (await client.GetAsync($"/api/datasets/{created.Id}/images/{images[0].Id}/prepared?resolution=32")).ReadPngAsync();
        Assert.Equal((32, 32), (prepared.Width, prepared.Height));
        // The photo has grey paper and a dark table at its edges; cleaned, the frame is paper white.
        Assert.True(MeanOfFrame(prepared) > 230, $"frame mean {MeanOfFrame(prepared):0.0}");

        using var raw = await (await client.GetAsync(
            $"/api/datasets/{created.Id}/images/{images[0].Id}/prepared?resolution=64&flatten=false&autoLevels=false&denoise=0&autoCrop=false")).ReadPngAsync();
        Assert.Equal((64, 64), (raw.Width, raw.Height));
        Assert.True(MeanOfFrame(raw) < MeanOfFrame(prepared) - 20, $"raw {MeanOfFrame(raw):0.0} vs cleaned {MeanOfFrame(prepared):0.0}");
    }

    [Fact]
    public async Task Preview_is_a_contact_sheet_of_the_included_images()
    {
        var (client, created) = await UploadPhonePhotosAsync();
        using var sheet = await (await client.GetAsync($"/api/datasets/{created.Id}/preview?resolution=32&count=4")).ReadPngAsync();
        Assert.True(sheet.Width >= 2 * 32 && sheet.Height >= 2 * 32, $"{sheet.Width}×{sheet.Height}");

        var images = await (await client.GetAsync($"/api/datasets/{created.Id}/images")).ReadJsonAsync<List<ImageInfo>>();
        foreach (var image in images)
            (await client.PatchAsJsonAsync($"/api/datasets/{created.Id}/images/{image.Id}", new { excluded = true })).EnsureSuccessStatusCode();
        await (await client.GetAsync($"/api/datasets/{created.Id}/preview")).AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("resolution=48", "resolution")]
    [InlineData("resolution=4096", "resolution")]
    [InlineData("denoise=9", "denoise")]
    [InlineData("fit=zoom", "fit")]
    [InlineData("flatten=maybe", "flatten")]
    [InlineData("cropToDrawing=sometimes", "cropToDrawing")]
    [InlineData("count=100000", "count")]
    public async Task Bad_preview_options_get_a_400_that_names_them(string query, string field)
    {
        var (client, created) = await UploadPhonePhotosAsync();
        var problem = await (await client.GetAsync($"/api/datasets/{created.Id}/preview?{query}")).AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Contains(field, problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Patch_sets_tags_label_and_exclusion()
    {
        var (client, created) = await UploadPhonePhotosAsync();
        var images = await (await client.GetAsync($"/api/datasets/{created.Id}/images")).ReadJsonAsync<List<ImageInfo>>();
        var url = $"/api/datasets/{created.Id}/images/{images[1].Id}";

        var patched = await (await client.PatchAsJsonAsync(url, new { tags = new[] { "face", " pencil ", "face" }, label = "cat", excluded = true }))
            .ReadJsonAsync<ImageInfo>();
        Assert.Equal(["face", "pencil"], patched.Tags);
        Assert.Equal(("cat", true), (patched.Label, patched.Excluded));

        // Fields left out stay; "" clears the label.
        var cleared = await (await client.PatchAsJsonAsync(url, new { label = "" })).ReadJsonAsync<ImageInfo>();
        Assert.Equal((null, true), (cleared.Label, cleared.Excluded));
        Assert.Equal(["face", "pencil"], cleared.Tags);

        var dataset = await (await client.GetAsync($"/api/datasets/{created.Id}")).ReadJsonAsync<DatasetInfo>();
        Assert.Equal((4, 3), (dataset.ImageCount, dataset.IncludedCount));

        await (await client.PatchAsJsonAsync(url, new { tags = new[] { new string('x', 65) } })).AssertProblemAsync(HttpStatusCode.BadRequest);
        await (await client.PatchAsJsonAsync(url, new { label = new string('y', 101) })).AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Exact_duplicates_are_reported_and_kept_once()
    {
        var (_, client, _) = await factory.CreateUserAsync();
        var photo = Fixtures.Read(Fixtures.PhonePhotos[2]);
        var created = await (await client.PostAsync("/api/datasets", Fixtures.Upload("dupes", ("a.jpg", photo), ("copy of a.jpg", photo), ("b.png", HostileFiles.GoodPng()))))
            .ReadJsonAsync<DatasetCreated>(HttpStatusCode.Created);

        Assert.Equal(2, created.ImageCount);
        var duplicate = Assert.Single(created.Duplicates);
        Assert.Equal(("copy of a.jpg", "a.jpg"), (duplicate.FileName, duplicate.DuplicateOf));
    }

    [Fact]
    public async Task Bad_upload_requests_get_clear_problems()
    {
        var (_, client, _) = await factory.CreateUserAsync();
        var noName = await (await client.PostAsync("/api/datasets", Fixtures.Upload("", ("a.png", HostileFiles.GoodPng())))).AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("name", noName.GetProperty("detail").GetString());
        var noFiles = await (await client.PostAsync("/api/datasets", Fixtures.Upload("nothing"))).AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("files", noFiles.GetProperty("detail").GetString());
        await (await client.PostAsJsonAsync("/api/datasets", new { name = "json" })).AssertProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Storage_quota_refuses_an_upload_whole_and_keeps_what_was_stored()
    {
        var (_, client, _) = await factory.CreateUserAsync("small", storageQuotaMb: 1);
        var kept = await (await client.PostAsync("/api/datasets", Fixtures.Upload("first", ("photos.zip", Fixtures.PhonePhotosZip()))))
            .ReadJsonAsync<DatasetCreated>(HttpStatusCode.Created);

        // Through the service's own store: a folder in embedded mode, a bucket in server mode.
        var blobs = factory.Services.GetRequiredService<IBlobStore>();
        var blobsBefore = await blobs.ListAsync("datasets/");

        // About 1.2 MB of incompressible pixels in two images: over the quota.
        var problem = await (await client.PostAsync("/api/datasets", Fixtures.Upload("too big",
            ("noise1.png", HostileFiles.NoisePng(800, 1)), ("noise2.png", HostileFiles.NoisePng(800, 2))))).AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("quota", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);

        var datasets = await (await client.GetAsync("/api/datasets")).ReadJsonAsync<List<DatasetInfo>>();
        Assert.Equal(kept.Id, Assert.Single(datasets).Id);
        var images = await (await client.GetAsync($"/api/datasets/{kept.Id}/images")).ReadJsonAsync<List<ImageInfo>>();
        Assert.Equal(4, images.Count);
        using var original = await (await client.GetAsync($"/api/datasets/{kept.Id}/images/{images[3].Id}")).ReadPngAsync();
        // The refused upload left no blobs behind.
        Assert.Equal(blobsBefore, await blobs.ListAsync("datasets/"));
    }

    [Fact]
    public async Task Deleting_a_dataset_removes_its_rows_and_blobs()
    {
        var (client, created) = await UploadPhonePhotosAsync();
        var blobs = factory.Services.GetRequiredService<IBlobStore>();
        var prefix = $"datasets/{created.Id}/";
        Assert.Equal(4, (await blobs.ListAsync(prefix)).Count(key => key.EndsWith(".png", StringComparison.Ordinal)));

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/datasets/{created.Id}")).StatusCode);
        await (await client.GetAsync($"/api/datasets/{created.Id}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await client.DeleteAsync($"/api/datasets/{created.Id}")).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Empty(await blobs.ListAsync(prefix));
    }

    private static double MeanOfFrame(SKBitmap bitmap, int thickness = 2)
    {
        double sum = 0;
        var count = 0;
        for (var y = 0; y < bitmap.Height; y++)
        for (var x = 0; x < bitmap.Width; x++)
        {
            if (x >= thickness && y >= thickness && x < bitmap.Width - thickness && y < bitmap.Height - thickness) continue;
            sum += bitmap.GetPixel(x, y).Red;
            count++;
        }
        return sum / count;
    }
}

public sealed class SqliteDatasetsApiTests(SqliteApiFactory factory) : DatasetsApiTests<SqliteApiFactory>(factory), IClassFixture<SqliteApiFactory>;

public sealed class PostgresDatasetsApiTests(PostgresApiFactory factory) : DatasetsApiTests<PostgresApiFactory>(factory), IClassFixture<PostgresApiFactory>;
