using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using GanService.Api.Tests.Infrastructure;
using GanService.Domain.Data;
using GanService.Domain.Imaging;
using static GanService.Api.Tests.Infrastructure.RunHelpers;

namespace GanService.Api.Tests.Apis;

/// POST /api/runs/{id}/project: the latent closest to your own drawing, and a walk between two of them.
public sealed class ProjectionApiTests(SqliteApiFactory factory) : IClassFixture<SqliteApiFactory>
{
    private static MultipartFormDataContent Drawing(byte[] content, string fileName = "mine.jpg", params (string Name, string Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", fileName);
        foreach (var (name, value) in fields) form.Add(new StringContent(value), name);
        return form;
    }

    private async Task<(HttpClient Client, Guid RunId)> TrainedRunAsync()
    {
        var (_, client, _) = await factory.CreateUserAsync("projector");
        var datasetId = await UploadDatasetAsync(client);
        var run = await WaitForAsync(client, (await StartRunAsync(client, datasetId, TinyConfig(iterations: 10, every: 10))).Id(), r => r.Status().IsTerminal());
        Assert.True(run.Status() == RunStatus.Completed, run.ToString());
        return (client, run.Id());
    }

    [Fact]
    public async Task A_drawing_gets_its_latent_and_image_and_two_drawings_can_be_walked_between()
    {
        var (client, runId) = await TrainedRunAsync();
        var first = await client.PostAsync($"/api/runs/{runId}/project", Drawing(Fixtures.Read(Fixtures.PhonePhotos[0]), fields: ("steps", "20")));
        Assert.True(first.StatusCode == HttpStatusCode.OK, await first.Content.ReadAsStringAsync());
        Assert.Equal("10", first.Headers.GetValues("X-Checkpoint-Iteration").Single());
        var projected = await first.Content.ReadFromJsonAsync<JsonElement>();
        var latent = projected.GetProperty("latent").EnumerateArray().Select(x => x.GetSingle()).ToArray();
        Assert.Equal(16, latent.Length);
        Assert.InRange(projected.GetProperty("ssim").GetDouble(), -1, 1);
        foreach (var field in new[] { "image", "target" })
        {
            var url = projected.GetProperty(field).GetString()!;
            Assert.StartsWith("data:image/png;base64,", url, StringComparison.Ordinal);
            var image = PixelImage.Decode(Convert.FromBase64String(url["data:image/png;base64,".Length..]), 1);
            Assert.Equal((16, 16), (image.Width, image.Height));
        }

        var second = await (await client.PostAsync($"/api/runs/{runId}/project", Drawing(Fixtures.Read(Fixtures.PhonePhotos[1]), fields: ("steps", "20"))))
            .Content.ReadFromJsonAsync<JsonElement>();
        var walk = await client.PostAsJsonAsync($"/api/runs/{runId}/interpolate", new
        {
            seedFrom = 0, seedTo = 0, steps = 4, latentFrom = latent, latentTo = second.GetProperty("latent"),
        });
        Assert.Equal(HttpStatusCode.OK, walk.StatusCode);
        Assert.Equal("image/gif", walk.Content.Headers.ContentType?.MediaType);

        var badLatent = await client.PostAsJsonAsync($"/api/runs/{runId}/interpolate", new { seedFrom = 0, seedTo = 1, latentFrom = new[] { 1f, 2f } });
        await HttpAssertions.AssertValidationProblemAsync(badLatent, "latentFrom");
    }

    private static List<byte[]> Entries(byte[] zip)
    {
        using var archive = new System.IO.Compression.ZipArchive(new MemoryStream(zip));
        return archive.Entries.OrderBy(e => e.Name, StringComparer.Ordinal).Select(e =>
        {
            using var stream = e.Open();
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            return buffer.ToArray();
        }).ToList();
    }

    [Fact]
    public async Task More_like_this_starts_from_the_image_itself_and_varies_around_it()
    {
        var (client, runId) = await TrainedRunAsync();
        var url = $"/api/runs/{runId}/generate";
        var single = Entries(await (await client.PostAsJsonAsync(url, new { count = 1, seed = 7, format = "zip" })).Content.ReadAsByteArrayAsync());
        var response = await client.PostAsJsonAsync(url, new { count = 4, seed = 99, aroundSeed = 7, spread = 0.3, format = "zip" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var variations = Entries(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(4, variations.Count);
        Assert.Equal(single[0], variations[0]);
        Assert.Equal(3, variations.Skip(1).Count(v => !v.AsSpan().SequenceEqual(variations[0])));

        await HttpAssertions.AssertValidationProblemAsync(await client.PostAsJsonAsync(url, new { aroundSeed = 7, spread = 3 }), "spread");
        await HttpAssertions.AssertValidationProblemAsync(await client.PostAsJsonAsync(url, new { around = new[] { 0f } }), "around");
    }

    [Fact]
    public async Task Bad_requests_name_what_was_wrong()
    {
        var (client, runId) = await TrainedRunAsync();
        var url = $"/api/runs/{runId}/project";
        using var empty = new MultipartFormDataContent { { new StringContent("20"), "steps" } };
        await HttpAssertions.AssertValidationProblemAsync(await client.PostAsync(url, empty), "file");
        await HttpAssertions.AssertValidationProblemAsync(await client.PostAsync(url, Drawing("not an image"u8.ToArray(), "notes.txt")), "file");
        await HttpAssertions.AssertValidationProblemAsync(await client.PostAsync(url, Drawing(Fixtures.Read(Fixtures.PhonePhotos[0]), fields: ("steps", "5"))), "steps");
        await HttpAssertions.AssertValidationProblemAsync(await client.PostAsync(url, Drawing(Fixtures.Read(Fixtures.PhonePhotos[0]), fields: ("label", "0"))), "label");
        await HttpAssertions.AssertValidationProblemAsync(await client.PostAsync(url, Drawing(Fixtures.Read(Fixtures.PhonePhotos[0]), fields: ("iteration", "7"))), "iteration");

        var (_, stranger, _) = await factory.CreateUserAsync("stranger");
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.PostAsync(url, Drawing(Fixtures.Read(Fixtures.PhonePhotos[0])))).StatusCode);
    }
}
