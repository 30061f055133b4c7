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
            .WithSummary("Generates images from a kept checkpoint: a PNG grid, or a zip of single PNGs.")
            .WithDescription("The same run, checkpoint, seed, count, truncation and label give the same pixels. `seed` defaults to 0. " +
                             IterationDocs +
                             "`truncation` (0 < t <= 4) redraws latent entries beyond ±t: smaller gives more typical, less varied images. " +
                             "`label` picks the class of a conditional run. Works while the run trains. Response headers: " +
                             "X-Checkpoint-Iteration, X-Seed, X-Generator-Cache (hit or miss), Server-Timing (cache, queue, forward, encode).")
            .Accepts<GenerateRequest>("application/json")
            .Produces(StatusCodes.Status200OK, typeof(Stream), "image/png", "application/zip") // one 200, two types
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithExamples(request: new GenerateRequest(64, 42, CheckpointSelector.Best, 0.8, null, "grid"));
        runs.MapPost("/{id:guid}/interpolate", InterpolateAsync)
            .WithSummary("An animated GIF that walks the great circle between two seeds' latents.")
            .WithDescription("`steps` frames (2 to the configured cap, 120 by default), ends included, `frameMilliseconds` each (default 80). " +
                             IterationDocs + " The response carries X-Checkpoint-Iteration.")
            .Accepts<InterpolateRequest>("application/json")
            .ProducesImage("image/gif")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
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
        CheckLatentOptions(config, request.Truncation, request.Label, errors);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        var (checkpoint, problem) = await FindCheckpointAsync(db, run, request.Iteration, cancellationToken);
        if (checkpoint is null) return problem!;
        var seed = request.Seed ?? 0;
        var count = request.Count ?? 16;
        var timing = new ServerTiming();
        using var lease = await AcquireAsync(cache, checkpoint, cancellationToken);
        if (lease is null) return MissingCheckpoint(checkpoint);
        timing.Mark("cache");
        var images = await cache.ComputeAsync(() =>
        {
            using var tensor = lease.Generator.Generate(count, seed, request.Label, request.Truncation);
            return TrainingData.ToPixelImages(tensor);
        }, timing, cancellationToken);

        var stem = $"{FileStem(run.Name)}-it{checkpoint.Iteration}-seed{seed}";
        var (body, contentType, fileName) = format == "grid"
            ? (ContactSheet.Render(images), "image/png", $"{stem}.png")
            : (Zip(images, seed), "application/zip", $"{stem}.zip");
        timing.Mark("encode");
        SetHeaders(http, checkpoint.Iteration, seed, lease, timing);
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
        CheckLatentOptions(config, request.Truncation, request.Label, errors);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        var (checkpoint, problem) = await FindCheckpointAsync(db, run, request.Iteration, cancellationToken);
        if (checkpoint is null) return problem!;
        var timing = new ServerTiming();
        using var lease = await AcquireAsync(cache, checkpoint, cancellationToken);
        if (lease is null) return MissingCheckpoint(checkpoint);
        timing.Mark("cache");
        var steps = request.Steps ?? 16;
        var frames = await cache.ComputeAsync(() =>
        {
            using var scope = torch.NewDisposeScope();
            var generator = lease.Generator;
            var (from, fromLabels) = Latents.Draw(generator.Config, 1, request.SeedFrom, request.Label, request.Truncation);
            var (to, _) = Latents.Draw(generator.Config, 1, request.SeedTo, request.Label, request.Truncation);
            // A conditional run keeps one class along the walk: the given label, else the start seed's.
            var labels = fromLabels?.expand(steps);
            return TrainingData.ToPixelImages(generator.GenerateFrom(Latents.Slerp(from, to, steps), labels));
        }, timing, cancellationToken);

        var gif = GifEncoder.EncodeAnimation(frames, request.FrameMilliseconds ?? 80);
        timing.Mark("encode");
        SetHeaders(http, checkpoint.Iteration, request.SeedFrom, lease, timing);
        return TypedResults.File(gif, "image/gif", $"{FileStem(run.Name)}-it{checkpoint.Iteration}-{request.SeedFrom}-to-{request.SeedTo}.gif");
    }

    public static async Task<IResult> ExportAsync(
        Guid id, string? iteration, ClaimsPrincipal caller, GanDbContext db, IBlobStore blobs, CancellationToken cancellationToken)
    {
        var run = await RunsApi.FindAsync(db, caller.UserId(), id, cancellationToken);
        if (run is null) return Problems.NotFound("run");
        var selector = iteration is null ? (CheckpointSelector?)null : CheckpointSelector.Parse(iteration);
        var (checkpoint, problem) = await FindCheckpointAsync(db, run, selector, cancellationToken);
        if (checkpoint is null) return problem!;
        await using var stream = await blobs.OpenReadAsync(checkpoint.BlobKey, cancellationToken);
        if (stream is null) return MissingCheckpoint(checkpoint);
        var about = new JsonObject
        {
            ["runId"] = run.Id.ToString(), ["runName"] = run.Name, ["preset"] = run.Preset, ["exportedAt"] = DateTime.UtcNow.ToString("O"),
        };
        using var zip = new MemoryStream();
        // Copies the generator's section as it is in the checkpoint: no network is built for an export.
        await Task.Run(() => GeneratorExport.WriteFromCheckpoint(stream, zip, about), cancellationToken);
        return TypedResults.File(zip.ToArray(), "application/zip", $"{FileStem(run.Name)}-it{checkpoint.Iteration}-generator.zip");
    }

    private static void CheckLatentOptions(GanConfig config, double? truncation, int? label, Dictionary<string, string[]> errors)
    {
        if (truncation is { } t && !(t > 0 && t <= Latents.MaxTruncation))
            errors["truncation"] = [$"must be more than 0 and at most {Latents.MaxTruncation}"];
        if (label is { } l)
        {
            if (!config.Conditional) errors["label"] = ["this run is not conditional (it was not trained with labels)"];
            else if (l < 0 || l >= config.NumClasses) errors["label"] = [$"must be 0 to {config.NumClasses - 1}"];
        }
    }

    /// <summary>
    /// The kept checkpoint that <paramref name="asked"/> names, or the run's default (<see cref="CheckpointSelector.DefaultFor"/>);
    /// a 400 naming `iteration` for a bad value or one not kept (with the kept ones), a 409 when there is no checkpoint or no best yet.
    /// </summary>
    private static async Task<(RunCheckpoint? Checkpoint, IResult? Problem)> FindCheckpointAsync(
        GanDbContext db, Run run, CheckpointSelector? asked, CancellationToken cancellationToken)
    {
        if (asked is { Invalid: { } invalid })
            return (null, IterationProblem($"must be {CheckpointSelector.Expected}, not {invalid}"));
        var kept = db.RunCheckpoints.AsNoTracking().Where(c => c.RunId == run.Id);
        var best = run.BestIteration is { } bestIteration ? await kept.FirstOrDefaultAsync(c => c.Iteration == bestIteration, cancellationToken) : null;
        var selector = asked ?? CheckpointSelector.DefaultFor(run, hasKeptBest: best is not null);
        var checkpoint = selector switch
        {
            { Iteration: { } wanted } => await kept.FirstOrDefaultAsync(c => c.Iteration == wanted, cancellationToken),
            { Word: CheckpointSelector.BestWord } => best,
            _ => await kept.OrderByDescending(c => c.Iteration).FirstOrDefaultAsync(cancellationToken),
        };
        if (checkpoint is not null) return (checkpoint, null);
        var iterations = await kept.OrderBy(c => c.Iteration).Select(c => c.Iteration).ToListAsync(cancellationToken);
        if (iterations.Count == 0)
            return (null, Problems.Of(StatusCodes.Status409Conflict, "The run has no checkpoint yet. The first is written after checkpointEvery iterations."));
        if (selector.Word == CheckpointSelector.BestWord)
            return (null, Problems.Of(StatusCodes.Status409Conflict, run.BestIteration is null
                ? "The run has no best checkpoint yet: the first evaluation (every evaluateEvery iterations) picks one. Ask for \"latest\" or a kept iteration."
                : $"The best checkpoint (iteration {run.BestIteration}) is no longer kept."));
        return (null, IterationProblem($"no checkpoint at {selector}; kept: {string.Join(", ", iterations)}"));
    }

    private static ValidationProblem IterationProblem(string error) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["iteration"] = [error] });

    private static async Task<GeneratorCache.Lease?> AcquireAsync(GeneratorCache cache, RunCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        try
        {
            return await cache.AcquireAsync(checkpoint.BlobKey, cancellationToken);
        }
        catch (CheckpointMissingException)
        {
            return null;
        }
    }

    private static ProblemHttpResult MissingCheckpoint(RunCheckpoint checkpoint) =>
        Problems.Of(StatusCodes.Status409Conflict, $"The checkpoint at {checkpoint.Iteration} is missing from storage.");

    private static void SetHeaders(HttpContext http, long iteration, long seed, GeneratorCache.Lease lease, ServerTiming timing)
    {
        timing.WriteTo(http.Response);
        http.Response.Headers["X-Checkpoint-Iteration"] = iteration.ToString(System.Globalization.CultureInfo.InvariantCulture);
        http.Response.Headers["X-Seed"] = seed.ToString(System.Globalization.CultureInfo.InvariantCulture);
        http.Response.Headers["X-Generator-Cache"] = lease.LoadedNow ? "miss" : "hit";
        if (lease.LoadedNow)
            http.Response.Headers["X-Generator-Load-Milliseconds"] = lease.LoadTime.TotalMilliseconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture);
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

    /// <summary>A file name part from a run name: runs of letters, digits and '_' joined by '-'.</summary>
    private static string FileStem(string name)
    {
        var stem = string.Join('-', new string(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' ? c : ' ').ToArray())
            .Split(' ', StringSplitOptions.RemoveEmptyEntries));
        return stem.Length == 0 ? "run" : stem[..Math.Min(stem.Length, 60)];
    }
}

/// <summary>count: 1 to the cap (256 by default), default 16. seed: default 0. iteration: a kept checkpoint's iteration, "latest" or "best" (see <see cref="CheckpointSelector"/>). format: grid or zip.</summary>
public sealed record GenerateRequest(int? Count, long? Seed, CheckpointSelector? Iteration, double? Truncation, int? Label, string? Format);

/// <summary>steps: frames, 2 to the cap (120 by default), default 16. frameMilliseconds: 20 to 5000, default 80.</summary>
public sealed record InterpolateRequest(long SeedFrom, long SeedTo, int? Steps, CheckpointSelector? Iteration, double? Truncation, int? Label, int? FrameMilliseconds);
