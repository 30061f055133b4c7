using System.Globalization;
using System.Security.Claims;
using GanService.Api.Auth;
using GanService.Api.Generation;
using GanService.Api.Infrastructure;
using GanService.Domain.Data;
using GanService.Domain.Gan.Data;
using GanService.Domain.Gan.Generation;
using GanService.Domain.Gan.Training;
using GanService.Domain.Imaging;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GanService.Api.Apis;

/// <summary>"From your own drawing": the latent whose image is closest to an uploaded drawing (<see cref="Projection"/>).</summary>
public static class ProjectionApi
{
    private const int MinSteps = 10, MaxSteps = 500, DefaultSteps = 150, MaxFileBytes = 20 << 20;

    public static IEndpointRouteBuilder MapProjectionApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/runs").WithTags("Generation").RequireAuthorization()
            .MapPost("/{id:guid}/project", ProjectAsync)
            .RequireRateLimiting(GenerationAdmission.PolicyName)
            .WithSummary("Finds the latent whose image is closest to your drawing (multipart: `file`, and optionally `iteration`, `label`, `seed`, `steps`).")
            .WithDescription("The drawing is cleaned up as the run's training images were, then z is optimised against an L1 + SSIM loss " +
                             "from several random starts (no pretrained network). Returns the latent, its image as a PNG data URL, and how " +
                             "close it came (SSIM, mean absolute error in [-1, 1] units). POST /api/runs/{id}/interpolate takes two such latents " +
                             "(`latentFrom`, `latentTo`) to walk between two of your own drawings. `steps` is 10 to 500 (default 150); more is closer and slower.")
            .Accepts<IFormFile>("multipart/form-data")
            .Produces<ProjectionResponse>()
            .WithExamples(response: new ProjectionResponse(3000, [0.12f, -1.03f, 0.57f], "data:image/png;base64,iVBORw0KGgo…", "data:image/png;base64,iVBORw0KGgo…", 0.71, 0.18))
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        return app;
    }

    public static async Task<IResult> ProjectAsync(
        Guid id, HttpRequest request, ClaimsPrincipal caller, GanDbContext db, GeneratorCache cache, ImageIngest ingest,
        CancellationToken cancellationToken)
    {
        var run = await RunsApi.FindAsync(db, caller.UserId(), id, cancellationToken);
        if (run is null) return Problems.NotFound("run");
        if (!request.HasFormContentType)
            return Problems.Of(StatusCodes.Status415UnsupportedMediaType, "Send multipart/form-data with one drawing in 'file'.");
        var form = await request.ReadFormAsync(cancellationToken);
        var errors = new Dictionary<string, string[]>();
        var file = form.Files.GetFile("file");
        if (file is null || file.Length == 0) errors["file"] = ["one drawing (PNG, JPEG or WebP) is required"];
        else if (file.Length > MaxFileBytes) errors["file"] = [$"at most {MaxFileBytes >> 20} MB"];
        var steps = Integer(form, "steps", DefaultSteps, errors);
        if (steps is < MinSteps or > MaxSteps) errors["steps"] = [$"must be {MinSteps} to {MaxSteps}"];
        var seed = Integer(form, "seed", 0, errors);
        var config = GanTrainer.ReadConfig(run.ConfigJson);
        var asked = form.TryGetValue("label", out var labelText) && labelText.ToString().Length > 0 ? LabelSelector.Parse(labelText.ToString()) : (LabelSelector?)null;
        var label = GenerationRequests.CheckLatentOptions(config, null, asked, errors);
        var selector = form.TryGetValue("iteration", out var iteration) && iteration.ToString().Length > 0 ? CheckpointSelector.Parse(iteration.ToString()) : (CheckpointSelector?)null;
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        byte[] content;
        await using (var stream = file!.OpenReadStream())
        {
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, cancellationToken);
            content = buffer.ToArray();
        }
        var outcome = ingest.ReadImage(file.FileName, content);
        if (outcome is not IngestedImage drawing)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["file"] = [((RejectedFile)outcome).Reason] });

        var (checkpoint, problem) = await GenerationRequests.FindCheckpointAsync(db, run, selector, cancellationToken);
        if (checkpoint is null) return problem!;
        var timing = new ServerTiming();
        using var lease = await GenerationRequests.AcquireAsync(cache, checkpoint, cancellationToken);
        if (lease is null) return GenerationRequests.MissingCheckpoint(checkpoint);
        timing.Mark("cache");
        var generatorConfig = lease.Generator.Config;
        // The drawing as training saw its images: cleaned with the run's options, square, at the run's size.
        var prepared = ImagePreprocessor.Prepare(PixelImage.Decode(drawing.Png, generatorConfig.Channels), generatorConfig.Resolution, generatorConfig.EffectivePreprocess);
        var (latent, png, ssim, error) = await cache.ComputeAsync(() =>
        {
            using var target = TrainingData.ToTensor([prepared], generatorConfig.Channels, generatorConfig.Resolution);
            using var result = Projection.Find(lease.Generator, target, label, new ProjectionOptions(Steps: steps, Seed: seed));
            return (result.Latent, TrainingData.ToPixelImages(result.Image)[0].EncodePng(), result.Ssim, result.MeanAbsoluteError);
        }, timing, cancellationToken);
        timing.WriteTo(request.HttpContext.Response);
        request.HttpContext.Response.Headers["X-Checkpoint-Iteration"] = checkpoint.Iteration.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Ok(new ProjectionResponse(checkpoint.Iteration, latent, $"data:image/png;base64,{Convert.ToBase64String(png)}",
            $"data:image/png;base64,{Convert.ToBase64String(prepared.EncodePng())}", Math.Round(ssim, 4), Math.Round(error, 4)));
    }

    private static int Integer(IFormCollection form, string name, int fallback, Dictionary<string, string[]> errors)
    {
        if (!form.TryGetValue(name, out var value) || value.ToString().Length == 0) return fallback;
        if (int.TryParse(value.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed)) return parsed;
        errors[name] = ["must be a whole number"];
        return fallback;
    }
}

/// <summary>The latent (latentDim values) whose image is closest to the drawing, that image and the drawing as cleaned (PNG data URLs), and how close (SSIM 1 = same).</summary>
public sealed record ProjectionResponse(long Iteration, float[] Latent, string Image, string Target, double Ssim, double MeanAbsoluteError);
