using System.IO.Compression;
using System.Security.Claims;
using System.Text.Json.Nodes;
using GanService.Api.Auth;
using GanService.Api.Generation;
using GanService.Api.Infrastructure;
using GanService.Domain.Data;
using GanService.Domain.Gan;
using GanService.Domain.Gan.Data;
using GanService.Domain.Gan.Generation;
using GanService.Domain.Gan.Training;
using GanService.Domain.Imaging;
using GanService.Domain.Jobs;
using GanService.Domain.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using TorchSharp;

namespace GanService.Api.Apis;

/// <summary>
/// Images on demand from a run's checkpoints: grids or zips by seed, interpolation GIFs, and the generator export.
/// Generation runs here in the API process on the CPU (the generator is small); see <see cref="GeneratorCache"/>.
/// </summary>
public static class GenerationApi
{
    public static IEndpointRouteBuilder MapGenerationApi(this IEndpointRouteBuilder app)
    {
        var runs = app.MapGroup("/api/runs").WithTags("Generation").RequireAuthorization();

        runs.MapPost("/{id:guid}/generate", GenerateAsync)
            .RequireRateLimiting(GenerationAdmission.PolicyName)
            .WithSummary("Generates images from a kept checkpoint: a PNG grid, or a zip of single PNGs.")
            .WithDescription("The same run, checkpoint, seed, count, truncation and label give the same pixels. `seed` defaults to 0. " +
                             IterationDocs +
                             "`truncation` (0 < t <= 4) redraws latent entries beyond ±t: smaller gives more typical, less varied images. " +
                             "`label` picks the class of a conditional run: its index, or the label name you gave the drawings (\"cat\"). `around` (a latent) or `aroundSeed` asks for variations of one image " +
                             "(more like this) at `spread`. Works while the run trains. Response headers: " +
                             "X-Checkpoint-Iteration, X-Seed, X-Generator-Cache (hit or miss), Server-Timing (cache, queue, forward, encode).")
            .Accepts<GenerateRequest>("application/json")
            .Produces(StatusCodes.Status200OK, typeof(Stream), "image/png", "application/zip") // one 200, two types
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithExamples(request: new GenerateRequest(64, 42, CheckpointSelector.Best, 0.8, null, "grid"));
        runs.MapPost("/{id:guid}/interpolate", InterpolateAsync)
            .RequireRateLimiting(GenerationAdmission.PolicyName)
            .WithSummary("An animated GIF that walks the great circle between two seeds' latents.")
            .WithDescription("`steps` frames (2 to the configured cap, 120 by default), ends included, `frameMilliseconds` each (default 80). " +
                             IterationDocs + " The response carries X-Checkpoint-Iteration.")
            .Accepts<InterpolateRequest>("application/json")
            .ProducesImage("image/gif")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithExamples(request: new InterpolateRequest(1, 2, 24, CheckpointSelector.Latest, null, null, 80));
        runs.MapGet("/{id:guid}/export", ExportAsync)
            .WithSummary("The generator of a kept checkpoint on its own: a zip of generator.bin and config.json.")
            .WithDescription(IterationDocs + " generator.bin holds the sampling generator's weights (the EMA generator when the run kept one) in TorchSharp's " +
                             "Module.save format; config.json holds the config that rebuilds the network, the iteration and a SHA-256. " +
                             "`dotnet run --project src/Worker -- generate --checkpoint export.zip ...` reads it.")
            .Produces(StatusCodes.Status200OK, typeof(Stream), "application/zip")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    private const int MinFrameMilliseconds = 20, MaxFrameMilliseconds = 5000;
    private const double DefaultSpread = 0.35;

    private const string IterationDocs =
        "`iteration` is a kept checkpoint's iteration (see GET /api/runs/{id}/checkpoints), \"latest\" or \"best\" (the run's `best`: " +
        "the lowest SWD among evaluations that do not copy the training set). Without it, a run that has ended (completed, " +
        "cancelled or failed) uses its best, falling back to its latest when it has none, and a run still training uses its latest. " +
        "X-Checkpoint-Iteration names the checkpoint used. Another value is a 400 naming `iteration`; \"best\" before the first " +
        "evaluation, or any value before the first checkpoint, is a 409.";

    public static async Task<IResult> GenerateAsync(
        Guid id, GenerateRequest request, HttpContext http, ClaimsPrincipal caller, GanDbContext db, GeneratorCache cache,
        GenerationSettings settings, CancellationToken cancellationToken)
    {
        var run = await RunsApi.FindAsync(db, caller.UserId(), id, cancellationToken);
        if (run is null) return Problems.NotFound("run");
        var config = GanTrainer.ReadConfig(run.ConfigJson);
        var errors = new Dictionary<string, string[]>();
        if (request.Count is < 1 || request.Count > settings.MaxCount) errors["count"] = [$"must be 1 to {settings.MaxCount}"];
        var format = request.Format?.Trim().ToLowerInvariant() ?? "grid";
        if (format is not ("grid" or "zip")) errors["format"] = ["grid or zip"];
        var label = GenerationRequests.CheckLatentOptions(config, request.Truncation, request.Label, errors);
        GenerationRequests.CheckLatent(config, "around", request.Around, errors);
        if (request.Around is not null && request.AroundSeed is not null) errors["aroundSeed"] = ["give around or aroundSeed, not both"];
        if (request.Spread is { } spread && !(spread > 0 && spread <= 2)) errors["spread"] = ["must be more than 0 and at most 2"];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        var (checkpoint, problem) = await GenerationRequests.FindCheckpointAsync(db, run, request.Iteration, cancellationToken);
        if (checkpoint is null) return problem!;
        var seed = request.Seed ?? 0;
        var count = request.Count ?? 16;
        var timing = new ServerTiming();
        using var lease = await GenerationRequests.AcquireAsync(cache, checkpoint, cancellationToken);
        if (lease is null) return GenerationRequests.MissingCheckpoint(checkpoint);
        timing.Mark("cache");
        var images = await cache.ComputeAsync(() =>
        {
            using var scope = torch.NewDisposeScope();
            var generator = lease.Generator;
            if (request.Around is null && request.AroundSeed is null)
                return TrainingData.ToPixelImages(generator.Generate(count, seed, label, request.Truncation));
            // More like this: variations around a latent (given, or a seed's), with that seed's class when conditional.
            var (seedLatent, labels) = Latents.Draw(generator.Config, 1, request.AroundSeed ?? seed, label, request.Truncation);
            var center = request.Around is { } around ? torch.tensor(around, [1, around.Length]) : seedLatent;
            return TrainingData.ToPixelImages(generator.GenerateFrom(Latents.Around(center, count, seed, request.Spread ?? DefaultSpread), labels?.expand(count)));
        }, timing, cancellationToken);

        var stem = $"{GenerationRequests.FileStem(run.Name)}-it{checkpoint.Iteration}-seed{seed}";
        var (body, contentType, fileName) = format == "grid"
            ? (ContactSheet.Render(images), "image/png", $"{stem}.png")
            : (Zip(images, seed), "application/zip", $"{stem}.zip");
        timing.Mark("encode");
        GenerationRequests.SetHeaders(http, checkpoint.Iteration, seed, lease, timing);
        return TypedResults.File(body, contentType, fileName);
    }

    public static async Task<IResult> InterpolateAsync(
        Guid id, InterpolateRequest request, HttpContext http, ClaimsPrincipal caller, GanDbContext db, GeneratorCache cache,
        GenerationSettings settings, CancellationToken cancellationToken)
    {
        var run = await RunsApi.FindAsync(db, caller.UserId(), id, cancellationToken);
        if (run is null) return Problems.NotFound("run");
        var config = GanTrainer.ReadConfig(run.ConfigJson);
        var errors = new Dictionary<string, string[]>();
        if (request.Steps is < 2 || request.Steps > settings.MaxInterpolationSteps) errors["steps"] = [$"must be 2 to {settings.MaxInterpolationSteps}"];
        if (request.FrameMilliseconds is < MinFrameMilliseconds or > MaxFrameMilliseconds)
            errors["frameMilliseconds"] = [$"must be {MinFrameMilliseconds} to {MaxFrameMilliseconds}"];
        var label = GenerationRequests.CheckLatentOptions(config, request.Truncation, request.Label, errors);
        GenerationRequests.CheckLatent(config, "latentFrom", request.LatentFrom, errors);
        GenerationRequests.CheckLatent(config, "latentTo", request.LatentTo, errors);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        var (checkpoint, problem) = await GenerationRequests.FindCheckpointAsync(db, run, request.Iteration, cancellationToken);
        if (checkpoint is null) return problem!;
        var timing = new ServerTiming();
        using var lease = await GenerationRequests.AcquireAsync(cache, checkpoint, cancellationToken);
        if (lease is null) return GenerationRequests.MissingCheckpoint(checkpoint);
        timing.Mark("cache");
        var steps = request.Steps ?? 16;
        var frames = await cache.ComputeAsync(() =>
        {
            using var scope = torch.NewDisposeScope();
            var generator = lease.Generator;
            var (from, fromLabels) = Latents.Draw(generator.Config, 1, request.SeedFrom, label, request.Truncation);
            var (to, _) = Latents.Draw(generator.Config, 1, request.SeedTo, label, request.Truncation);
            // Given latents (from POST .../project: your own drawings) replace the seeds' draws.
            if (request.LatentFrom is { } latentFrom) from = torch.tensor(latentFrom, [1, latentFrom.Length]);
            if (request.LatentTo is { } latentTo) to = torch.tensor(latentTo, [1, latentTo.Length]);
            // A conditional run keeps one class along the walk: the given label, else the start seed's.
            var labels = fromLabels?.expand(steps);
            return TrainingData.ToPixelImages(generator.GenerateFrom(Latents.Slerp(from, to, steps), labels));
        }, timing, cancellationToken);

        var gif = GifEncoder.EncodeAnimation(frames, request.FrameMilliseconds ?? 80);
        timing.Mark("encode");
        GenerationRequests.SetHeaders(http, checkpoint.Iteration, request.SeedFrom, lease, timing);
        return TypedResults.File(gif, "image/gif", $"{GenerationRequests.FileStem(run.Name)}-it{checkpoint.Iteration}-{request.SeedFrom}-to-{request.SeedTo}.gif");
    }

    public static async Task<IResult> ExportAsync(
        Guid id, string? iteration, ClaimsPrincipal caller, GanDbContext db, IBlobStore blobs, CancellationToken cancellationToken)
    {
        var run = await RunsApi.FindAsync(db, caller.UserId(), id, cancellationToken);
        if (run is null) return Problems.NotFound("run");
        var selector = iteration is null ? (CheckpointSelector?)null : CheckpointSelector.Parse(iteration);
        var (checkpoint, problem) = await GenerationRequests.FindCheckpointAsync(db, run, selector, cancellationToken);
        if (checkpoint is null) return problem!;
        MemoryStream? stream;
        try
        {
            stream = await CheckpointIntegrity.ReadVerifiedAsync(blobs, checkpoint.BlobKey, checkpoint.Sha256, cancellationToken);
        }
        catch (CorruptCheckpointException)
        {
            throw GenerationRequests.CorruptCheckpoint(checkpoint);
        }
        if (stream is null) return GenerationRequests.MissingCheckpoint(checkpoint);
        await using var _ = stream;
        var about = new JsonObject
        {
            ["runId"] = run.Id.ToString(), ["runName"] = run.Name, ["preset"] = run.Preset, ["exportedAt"] = DateTime.UtcNow.ToString("O"),
        };
        using var zip = new MemoryStream();
        // Copies the generator's section as it is in the checkpoint: no network is built for an export.
        await Task.Run(() => GeneratorExport.WriteFromCheckpoint(stream, zip, about), cancellationToken);
        return TypedResults.File(zip.ToArray(), "application/zip", $"{GenerationRequests.FileStem(run.Name)}-it{checkpoint.Iteration}-generator.zip");
    }

    private static byte[] Zip(IReadOnlyList<PixelImage> images, long seed)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            for (var i = 0; i < images.Count; i++)
            {
                // PNGs are compressed already: stored, not deflated again.
                using var entry = zip.CreateEntry($"seed{seed}_{i:D4}.png", CompressionLevel.NoCompression).Open();
                entry.Write(images[i].EncodePng());
            }
        }
        return buffer.ToArray();
    }

}

/// <summary>
/// count: 1 to the cap (256 by default), default 16. seed: default 0. iteration: a kept checkpoint's iteration, "latest" or
/// "best" (see <see cref="CheckpointSelector"/>). format: grid or zip. "More like this": around (a latent, as POST
/// .../project returns) or aroundSeed (the first image of that seed) gives the center, the first image, and count - 1
/// variations at spread (0 to 2, default 0.35) drawn from seed.
/// </summary>
public sealed record GenerateRequest(int? Count, long? Seed, CheckpointSelector? Iteration, double? Truncation, LabelSelector? Label, string? Format,
    float[]? Around = null, long? AroundSeed = null, double? Spread = null);

/// <summary>
/// steps: frames, 2 to the cap (120 by default), default 16. frameMilliseconds: 20 to 5000, default 80. latentFrom and
/// latentTo (latentDim numbers each, as POST /api/runs/{id}/project returns) replace the seeds' latents when given.
/// </summary>
public sealed record InterpolateRequest(long SeedFrom, long SeedTo, int? Steps, CheckpointSelector? Iteration, double? Truncation, LabelSelector? Label, int? FrameMilliseconds,
    float[]? LatentFrom = null, float[]? LatentTo = null);
