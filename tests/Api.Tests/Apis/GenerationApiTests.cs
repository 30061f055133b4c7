using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GanService.Api.Tests.Infrastructure;
using GanService.Domain.Data;
using GanService.Domain.Gan.Data;
using GanService.Domain.Gan.Generation;
using GanService.Domain.Imaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SkiaSharp;
using static GanService.Api.Tests.Infrastructure.RunHelpers;

namespace GanService.Api.Tests.Apis;

/// Images on demand from a finished tiny run (16x16, checkpoints at 20 and 40), in both storage modes.
public abstract class GenerationApiTests<TFactory>(TFactory factory) where TFactory : GanApiFactory
{
    // One finished run per factory, shared by the tests of the class (training it is the slow part).
    private static Task<(HttpClient Client, Guid RunId)>? _finished;
    private static readonly Lock FinishedLock = new();

    private Task<(HttpClient Client, Guid RunId)> FinishedRunAsync()
    {
        lock (FinishedLock)
            return _finished ??= TrainAsync();

        async Task<(HttpClient, Guid)> TrainAsync()
        {
            var (_, client, _) = await factory.CreateUserAsync("illustrator");
            var datasetId = await UploadDatasetAsync(client);
            var runId = (await StartRunAsync(client, datasetId, TinyConfig(iterations: 40))).Id();
            await WaitForStatusAsync(client, runId, RunStatus.Completed);
            return (client, runId);
        }
    }

    private static async Task<byte[]> BytesAsync(HttpResponseMessage response, string mediaType)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(bytes)}");
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        return bytes;
    }

    private static string Header(HttpResponseMessage response, string name) => response.Headers.GetValues(name).Single();

    [Fact]
    public async Task The_same_seed_gives_the_same_bytes_and_another_seed_or_checkpoint_other_ones()
    {
        var (client, runId) = await FinishedRunAsync();

        var first = await client.PostAsJsonAsync($"/api/runs/{runId}/generate", new { count = 9, seed = 5 });
        var again = await client.PostAsJsonAsync($"/api/runs/{runId}/generate", new { count = 9, seed = 5 });
        var otherSeed = await client.PostAsJsonAsync($"/api/runs/{runId}/generate", new { count = 9, seed = 6 });
        var earlier = await client.PostAsJsonAsync($"/api/runs/{runId}/generate", new { count = 9, seed = 5, iteration = 20 });
        var truncated = await client.PostAsJsonAsync($"/api/runs/{runId}/generate", new { count = 9, seed = 5, truncation = 0.3 });

        var bytes = await BytesAsync(first, "image/png");
        Assert.Equal(bytes, await BytesAsync(again, "image/png"));
        Assert.NotEqual(bytes, await BytesAsync(otherSeed, "image/png"));
        Assert.NotEqual(bytes, await BytesAsync(earlier, "image/png"));
        Assert.NotEqual(bytes, await BytesAsync(truncated, "image/png"));
        Assert.Equal("40", Header(first, "X-Checkpoint-Iteration")); // the latest by default
        Assert.Equal("20", Header(earlier, "X-Checkpoint-Iteration"));
        Assert.Equal("hit", Header(again, "X-Generator-Cache"));
        // A 3x3 grid of 16x16 tiles with 2-pixel gaps.
        using var grid = SKBitmap.Decode(bytes);
        Assert.Equal((3 * 16 + 4, 3 * 16 + 4), (grid.Width, grid.Height));
    }

    [Fact]
    public async Task A_zip_holds_count_single_pngs()
    {
        var (client, runId) = await FinishedRunAsync();

        var response = await client.PostAsJsonAsync($"/api/runs/{runId}/generate", new { count = 5, seed = 1, format = "zip" });

        using var zip = new ZipArchive(new MemoryStream(await BytesAsync(response, "application/zip")));
        Assert.Equal(5, zip.Entries.Count);
        foreach (var entry in zip.Entries)
        {
            using var png = entry.Open();
            using var copy = new MemoryStream();
            await png.CopyToAsync(copy);
            using var image = SKBitmap.Decode(copy.ToArray());
            Assert.Equal((16, 16), (image.Width, image.Height));
        }
    }

    [Fact]
    public async Task An_interpolation_is_a_gif_with_one_frame_per_step()
    {
        var (client, runId) = await FinishedRunAsync();

        var response = await client.PostAsJsonAsync($"/api/runs/{runId}/interpolate", new { seedFrom = 1, seedTo = 2, steps = 7, frameMilliseconds = 50 });

        var gif = await BytesAsync(response, "image/gif");
        using var codec = SKCodec.Create(new MemoryStream(gif));
        Assert.Equal(SKEncodedImageFormat.Gif, codec.EncodedFormat);
        Assert.Equal(7, codec.FrameCount);
        Assert.Equal((16, 16), (codec.Info.Width, codec.Info.Height));
        Assert.All(codec.FrameInfo, f => Assert.Equal(50, f.Duration));
        // The walk ends at the seeds' own images: its first frame is generate's first image for seedFrom.
        var single = await client.PostAsJsonAsync($"/api/runs/{runId}/generate", new { count = 1, seed = 1, format = "zip" });
        using var zip = new ZipArchive(new MemoryStream(await BytesAsync(single, "application/zip")));
        using var png = zip.Entries[0].Open();
        using var copy = new MemoryStream();
        await png.CopyToAsync(copy);
        using var expected = SKBitmap.Decode(copy.ToArray());
        using var frame = new SKBitmap(new SKImageInfo(16, 16, SKColorType.Rgba8888, SKAlphaType.Premul));
        Assert.Equal(SKCodecResult.Success, codec.GetPixels(frame.Info, frame.GetPixels(), new SKCodecOptions(0)));
        for (var y = 0; y < 16; y++)
            for (var x = 0; x < 16; x++)
                Assert.Equal(expected.GetPixel(x, y).Red, frame.GetPixel(x, y).Red);
    }

    [Fact]
    public async Task The_export_rebuilds_the_generator_that_generate_uses()
    {
        var (client, runId) = await FinishedRunAsync();

        var response = await client.GetAsync($"/api/runs/{runId}/export?iteration=20");
        var export = await BytesAsync(response, "application/zip");

        using var generator = LoadedGenerator.Load(new MemoryStream(export));
        Assert.Equal(20, generator.Iteration);
        using var images = generator.Generate(4, 8);
        var grid = ContactSheet.Render(TrainingData.ToPixelImages(images));
        var served = await client.PostAsJsonAsync($"/api/runs/{runId}/generate", new { count = 4, seed = 8, iteration = 20 });
        Assert.Equal(grid, await BytesAsync(served, "image/png"));
    }

    [Theory]
    [InlineData("generate", """{"count":100000}""", "count")]
    [InlineData("generate", """{"count":0}""", "count")]
    [InlineData("generate", """{"format":"jpeg"}""", "format")]
    [InlineData("generate", """{"truncation":0}""", "truncation")]
    [InlineData("generate", """{"label":1}""", "label")]
    [InlineData("generate", """{"iteration":30}""", "iteration")]
    [InlineData("generate", """{"iteration":"newest"}""", "iteration")]
    [InlineData("generate", """{"iteration":-1}""", "iteration")]
    [InlineData("generate", """{"iteration":2.5}""", "iteration")]
    [InlineData("generate", """{"iteration":true}""", "iteration")]
    [InlineData("generate", """{"iteration":{"at":20}}""", "iteration")]
    [InlineData("interpolate", """{"seedFrom":1,"seedTo":2,"iteration":"first"}""", "iteration")]
    [InlineData("interpolate", """{"seedFrom":1,"seedTo":2,"steps":100000}""", "steps")]
    [InlineData("interpolate", """{"seedFrom":1,"seedTo":2,"steps":1}""", "steps")]
    [InlineData("interpolate", """{"seedFrom":1,"seedTo":2,"frameMilliseconds":1}""", "frameMilliseconds")]
    public async Task Out_of_range_requests_are_400s_that_name_the_field(string route, string body, string field)
    {
        var (client, runId) = await FinishedRunAsync();

        var response = await client.PostAsync($"/api/runs/{runId}/{route}", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Theory]
    [InlineData("first")]
    [InlineData("-3")]
    [InlineData("30")]
    public async Task A_bad_export_iteration_is_a_400_that_names_the_field(string iteration)
    {
        var (client, runId) = await FinishedRunAsync();

        var problem = await (await client.GetAsync($"/api/runs/{runId}/export?iteration={iteration}")).AssertProblemAsync(HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty("iteration", out _), problem.ToString());
    }

    /// A copy of the finished run (the same checkpoints at 20 and 40) as the training loop writes it, its best at 20 or none.
    private async Task<Guid> CopyAsync(Guid runId, RunStatus status, long? best)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GanDbContext>();
        var source = await db.Runs.AsNoTracking().SingleAsync(r => r.Id == runId);
        var checkpoints = await db.RunCheckpoints.AsNoTracking().Where(c => c.RunId == runId).ToListAsync();
        var copy = await RunRows.InsertAsync(factory, source.OwnerId, source.DatasetId, r =>
            (r.ConfigJson, r.Status, r.CheckpointIteration, r.BestIteration, r.BestSwd, r.BestDiversity) = (source.ConfigJson, status, 40, best, best is null ? null : 30.5, best is null ? null : 0.2));
        db.RunCheckpoints.AddRange(checkpoints.Select(c => new RunCheckpoint { RunId = copy.Id, Iteration = c.Iteration, BlobKey = c.BlobKey, SizeBytes = c.SizeBytes }));
        await db.SaveChangesAsync();
        return copy.Id;
    }

    [Fact]
    public async Task Iteration_is_a_number_latest_or_best_and_without_it_an_ended_run_uses_its_best()
    {
        var (client, runId) = await FinishedRunAsync();
        var completed = await CopyAsync(runId, RunStatus.Completed, best: 20);
        var cancelled = await CopyAsync(runId, RunStatus.Cancelled, best: 20);
        var running = await CopyAsync(runId, RunStatus.Running, best: 20);
        var noBest = await CopyAsync(runId, RunStatus.Completed, best: null);
        async Task<string> UsedAsync(Guid id, object body)
        {
            var response = await client.PostAsJsonAsync($"/api/runs/{id}/generate", body);
            await BytesAsync(response, "image/png");
            return Header(response, "X-Checkpoint-Iteration");
        }

        Assert.Equal("20", await UsedAsync(completed, new { count = 1 }));
        Assert.Equal("20", await UsedAsync(cancelled, new { count = 1 }));
        Assert.Equal("40", await UsedAsync(running, new { count = 1 })); // while it trains, its latest
        Assert.Equal("40", await UsedAsync(noBest, new { count = 1 }));  // no best: its latest
        Assert.Equal("40", await UsedAsync(completed, new { count = 1, iteration = "latest" }));
        Assert.Equal("20", await UsedAsync(running, new { count = 1, iteration = "best" }));
        Assert.Equal("40", await UsedAsync(completed, new { count = 1, iteration = 40 }));
        Assert.Equal("20", await UsedAsync(completed, new { count = 1, iteration = "20" }));
        var none = await client.PostAsJsonAsync($"/api/runs/{noBest}/generate", new { count = 1, iteration = "best" });
        Assert.Contains("no best checkpoint yet", (await none.AssertProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString());

        var gif = await client.PostAsJsonAsync($"/api/runs/{completed}/interpolate", new { seedFrom = 1, seedTo = 2, steps = 2 });
        await BytesAsync(gif, "image/gif");
        Assert.Equal("20", Header(gif, "X-Checkpoint-Iteration"));
        using (var export = LoadedGenerator.Load(new MemoryStream(await BytesAsync(await client.GetAsync($"/api/runs/{completed}/export"), "application/zip"))))
            Assert.Equal(20, export.Iteration);
        using (var export = LoadedGenerator.Load(new MemoryStream(await BytesAsync(await client.GetAsync($"/api/runs/{completed}/export?iteration=latest"), "application/zip"))))
            Assert.Equal(40, export.Iteration);

        var best = (await GetRunAsync(client, completed)).GetProperty("best");
        Assert.Equal((20L, 30.5, 0.2), (best.GetProperty("iteration").GetInt64(), best.GetProperty("swd").GetDouble(), best.GetProperty("diversity").GetDouble()));
        Assert.Equal(JsonValueKind.Null, (await GetRunAsync(client, noBest)).GetProperty("best").ValueKind);
    }

    [Fact]
    public async Task Generation_works_while_the_run_trains_and_waits_for_the_first_checkpoint()
    {
        var (_, client, _) = await factory.CreateUserAsync("impatient");
        var datasetId = await UploadDatasetAsync(client);
        var runId = (await StartRunAsync(client, datasetId, TinyConfig(iterations: 1_000_000, every: 1_000_000))).Id();
        var config = TinyConfig(iterations: 1_000_000, every: 10);

        var early = await client.PostAsJsonAsync($"/api/runs/{runId}/generate", new { count = 4 });
        Assert.Contains("no checkpoint", (await early.AssertProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString());
        await client.PostAsync($"/api/runs/{runId}/cancel", null);

        var trainingId = (await StartRunAsync(client, datasetId, config)).Id();
        await WaitForAsync(client, trainingId, r => r.GetProperty("checkpointIteration").ValueKind == JsonValueKind.Number);
        var response = await client.PostAsJsonAsync($"/api/runs/{trainingId}/generate", new { count = 4 });
        await BytesAsync(response, "image/png");
        Assert.Equal(RunStatus.Running, (await GetRunAsync(client, trainingId)).Status());
        await client.PostAsync($"/api/runs/{trainingId}/cancel", null);
        await WaitForStatusAsync(client, trainingId, RunStatus.Cancelled);
    }
}

public sealed class SqliteGenerationApiTests(SqliteApiFactory factory) : GenerationApiTests<SqliteApiFactory>(factory), IClassFixture<SqliteApiFactory>;

/// Server storage: the checkpoints come from s3rver.
public sealed class PostgresGenerationApiTests(PostgresApiFactory factory) : GenerationApiTests<PostgresApiFactory>(factory), IClassFixture<PostgresApiFactory>;
