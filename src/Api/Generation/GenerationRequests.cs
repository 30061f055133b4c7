using GanService.Api.Infrastructure;
using GanService.Domain.Data;
using GanService.Domain.Gan;
using GanService.Domain.Gan.Generation;
using GanService.Domain.Gan.Training;
using GanService.Domain.Jobs;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace GanService.Api.Generation;

/// <summary>
/// What every request for images from a run's checkpoint shares (generate, interpolate, export, project): which kept
/// checkpoint it names, the latent options' checks, the loaded generator, and the response headers.
/// </summary>
internal static class GenerationRequests
{
    /// <summary>Checks truncation and label against the run's config; returns the label as a class index (names resolved).</summary>
    internal static int? CheckLatentOptions(GanConfig config, double? truncation, LabelSelector? label, Dictionary<string, string[]> errors)
    {
        if (truncation is { } t && !(t > 0 && t <= Latents.MaxTruncation))
            errors["truncation"] = [$"must be more than 0 and at most {Latents.MaxTruncation}"];
        if (label is not { } asked) return null;
        var (index, error) = asked.Resolve(config);
        if (error is not null) errors["label"] = [error];
        return index;
    }

    /// <summary>A latent sent by the client (as POST .../project returns): latentDim finite numbers, else an error on its field.</summary>
    internal static void CheckLatent(GanConfig config, string field, float[]? latent, Dictionary<string, string[]> errors)
    {
        if (latent is not null && (latent.Length != config.LatentDim || latent.Any(x => !float.IsFinite(x))))
            errors[field] = [$"must be {config.LatentDim} finite numbers (the run's latentDim), as POST /api/runs/{{id}}/project returns"];
    }

    /// <summary>
    /// The kept checkpoint that <paramref name="asked"/> names, or the run's default (<see cref="CheckpointSelector.DefaultFor"/>);
    /// a 400 naming `iteration` for a bad value or one not kept (with the kept ones), a 409 when there is no checkpoint or no best yet.
    /// </summary>
    internal static async Task<(RunCheckpoint? Checkpoint, IResult? Problem)> FindCheckpointAsync(
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

    internal static ValidationProblem IterationProblem(string error) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["iteration"] = [error] });

    internal static async Task<GeneratorCache.Lease?> AcquireAsync(GeneratorCache cache, RunCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        try
        {
            return await cache.AcquireAsync(checkpoint.BlobKey, cancellationToken, checkpoint.Sha256);
        }
        catch (CheckpointMissingException)
        {
            return null;
        }
        catch (CorruptCheckpointException)
        {
            throw CorruptCheckpoint(checkpoint); // a 409 through ProblemExceptionHandler
        }
    }

    internal static CorruptCheckpointException CorruptCheckpoint(RunCheckpoint checkpoint) =>
        new($"The checkpoint at {checkpoint.Iteration} is corrupt in storage: its content does not match the SHA-256 recorded when it was written. Choose another iteration.");

    internal static ProblemHttpResult MissingCheckpoint(RunCheckpoint checkpoint) =>
        Problems.Of(StatusCodes.Status409Conflict, $"The checkpoint at {checkpoint.Iteration} is missing from storage.");

    internal static void SetHeaders(HttpContext http, long iteration, long seed, GeneratorCache.Lease lease, ServerTiming timing)
    {
        timing.WriteTo(http.Response);
        http.Response.Headers["X-Checkpoint-Iteration"] = iteration.ToString(System.Globalization.CultureInfo.InvariantCulture);
        http.Response.Headers["X-Seed"] = seed.ToString(System.Globalization.CultureInfo.InvariantCulture);
        http.Response.Headers["X-Generator-Cache"] = lease.LoadedNow ? "miss" : "hit";
        if (lease.LoadedNow)
            http.Response.Headers["X-Generator-Load-Milliseconds"] = lease.LoadTime.TotalMilliseconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>A file name part from a run name: runs of letters, digits and '_' joined by '-'.</summary>
    internal static string FileStem(string name)
    {
        var stem = string.Join('-', new string(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' ? c : ' ').ToArray())
            .Split(' ', StringSplitOptions.RemoveEmptyEntries));
        return stem.Length == 0 ? "run" : stem[..Math.Min(stem.Length, 60)];
    }
}
