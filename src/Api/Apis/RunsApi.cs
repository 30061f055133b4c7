using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanService.Api.Events;
using GanService.Api.Auth;
using GanService.Api.Infrastructure;
using GanService.Domain.Data;
using GanService.Domain.Gan;
using GanService.Domain.Gan.Training;
using GanService.Domain.Jobs;
using GanService.Domain.Storage;
using Hangfire;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace GanService.Api.Apis;

public static class RunsApi
{
    /// <summary>Config fields a fork may change; the others define the networks and the optimiser state it inherits.</summary>
    private static readonly HashSet<string> ForkableFields = new(StringComparer.OrdinalIgnoreCase)
    {
        "iterations", "sampleEvery", "checkpointEvery", "evaluateEvery", "loss", "nCritic", "instanceNoise",
        "r1Gamma", "includeTags", "excludeTags", "takenFrom", "takenTo", "preprocess",
    };

    public static IEndpointRouteBuilder MapRunsApi(this IEndpointRouteBuilder app)
    {
        var runs = app.MapGroup("/api/runs").WithTags("Runs").RequireAuthorization();

        runs.MapPost("/", CreateRunAsync)
            .WithSummary("Starts a training run on one of your datasets: a preset plus config overrides.")
            .WithDescription("The run is queued (202) when you have a free slot under maxConcurrentRuns, else it waits as `pending`. " +
                             "An invalid config gets a 400 whose `errors` name the fields.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithExamples(request: new CreateRunRequest(ExampleDatasetId, "sketches, small-data", "small-data",
                new JsonObject { ["resolution"] = 64, ["iterations"] = 5000, ["sampleEvery"] = 250 }), response: ExampleRun, responseStatus: StatusCodes.Status202Accepted);
        runs.MapGet("/", ListRunsAsync).WithSummary("Your runs, newest first.").WithExamples(response: new[] { ExampleRun });
        runs.MapGet("/{id:guid}", GetRunAsync).WithSummary("One of your runs: status, progress, latest losses and metrics, the best checkpoint, diagnoses.")
            .WithDescription("`best` is the evaluation with the lowest SWD whose samples do not copy the training set (nearest-neighbour " +
                             "ratio at least 0.5 and at most 10% near copies), null before the first evaluation; a finished run " +
                             "generates from it by default. The `stalled` diagnosis says when SWD has stopped beating it.")
            .WithExamples(response: ExampleRun);
        runs.MapPost("/{id:guid}/cancel", CancelRunAsync)
            .WithSummary("Cancels a run: it stops at the next step boundary, its checkpoints kept.")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithExamples(response: ExampleRun with { Status = RunStatus.Running }, responseStatus: StatusCodes.Status202Accepted);
        runs.MapPost("/{id:guid}/fork", ForkRunAsync)
            .WithSummary("A new run that starts from one of this run's kept checkpoints, with config overrides.")
            .WithDescription("Forkable fields: " + string.Join(", ", ForkableFields.Order()) + ". The networks, optimiser and random state come from the checkpoint.")
            .ProducesValidationProblem()
            .WithExamples(request: new ForkRunRequest(3000, new JsonObject { ["iterations"] = 6000 }), response: ExampleRun, responseStatus: StatusCodes.Status202Accepted);
        runs.MapDelete("/{id:guid}", DeleteRunAsync).WithSummary("Cancels the run if needed, then deletes it, its checkpoints and samples.");
        runs.MapGet("/{id:guid}/metrics", GetMetricsAsync)
            .WithSummary("The time series of losses, D outputs and metrics; `?format=csv` for CSV.")
            .Produces<MetricRow[]>(StatusCodes.Status200OK, "application/json", "text/csv")
            .ProducesValidationProblem()
            .WithExamples(response: new[] { new MetricRow(500, 61.2, 1.21, 0.98, 0.64, 0.31, 0.42, 34.9, 22.7, 0.129, 0.036, 1.12) });
        runs.MapGet("/{id:guid}/events", StreamEvents)
            .WithSummary("Server-sent events: `progress` (the run), `sample`, `diagnosis`, and `end` when the run stops.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream");
        runs.MapGet("/{id:guid}/samples", ListSamplesAsync).WithSummary("Sample grids from fixed latents, by iteration.")
            .WithExamples(response: new[] { new SampleResponse(500, $"/api/runs/{ExampleRun.Id}/samples/500") });
        runs.MapGet("/{id:guid}/samples/{iteration:long}", GetSampleAsync).WithSummary("One sample grid (PNG).")
            .ProducesImage("image/png").ProducesProblem(StatusCodes.Status404NotFound);
        runs.MapGet("/{id:guid}/checkpoints", ListCheckpointsAsync).WithSummary("The kept checkpoints (fork or generate from any).")
            .WithExamples(response: new[] { new CheckpointResponse(3000, 14_680_064, new DateTime(2026, 11, 28, 10, 0, 0, DateTimeKind.Utc)) });
        return app;
    }

    private static readonly Guid ExampleDatasetId = Guid.Parse("3b0c7d7e-5a43-4c8f-9f0e-2d1f1b6a9c20");

    private static readonly RunResponse ExampleRun = new(
        Guid.Parse("5e2d4c1b-9a8f-4b7e-8c6d-1f2e3a4b5c6d"), ExampleDatasetId, "sketches, small-data", "small-data", RunStatus.Running,
        1500, 5000, 190.5, 588, new DateTime(2026, 11, 28, 10, 10, 0, DateTimeKind.Utc),
        new LatestResponse(1.21, 0.98, 0.64, 0.31, 0.42, 0),
        new RunMetricsResponse(1500, 46.6, 22.7, 0.116, 0.036, 1.22),
        new BestResponse(1000, 41.3, 0.121),
        [], null, new JsonObject { ["resolution"] = 64, ["iterations"] = 5000 },
        new DateTime(2026, 11, 28, 10, 0, 0, DateTimeKind.Utc), new DateTime(2026, 11, 28, 10, 0, 1, DateTimeKind.Utc), null,
        null, null, 1000);

    public static async Task<Results<Accepted<RunResponse>, ValidationProblem, ProblemHttpResult>> CreateRunAsync(
        CreateRunRequest request, ClaimsPrincipal caller, GanDbContext db, RunLifecycle lifecycle, CancellationToken cancellationToken)
    {
        var userId = caller.UserId();
        var dataset = await db.Datasets.AsNoTracking().Where(d => d.Id == request.DatasetId && d.OwnerId == userId)
            .Select(d => new { d.Id, d.Name, d.Channels }).FirstOrDefaultAsync(cancellationToken);
        if (dataset is null) return Problems.NotFound("dataset");

        if (await lifecycle.CheckAdmissionAsync(userId, cancellationToken: cancellationToken) is { } refusal) return Problems.Refused(refusal);

        var overrides = request.Config?.DeepClone().AsObject() ?? [];
        if (!overrides.ContainsKey("seed")) overrides["seed"] = Random.Shared.Next(1, int.MaxValue);
        var labels = await CountLabelsAsync(db, dataset.Id, cancellationToken);
        ApplyDatasetDefaults(overrides, dataset.Channels, labels);

        var (config, errors) = GanPresets.TryResolve(request.Preset, overrides);
        if (config is null) return ConfigProblem(errors, "config.");
        if (request.Name is { Length: > 200 })
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["name"] = ["at most 200 characters"] });
        var usable = await db.DatasetImages.CountAsync(i => i.DatasetId == dataset.Id && !i.Excluded, cancellationToken);
        if (usable == 0)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["datasetId"] = ["the dataset has no images that are not excluded"] });
        if (config.TakenFrom is not null || config.TakenTo is not null)
        {
            var (from, before) = (config.TakenFrom, config.TakenBefore);
            var dated = await db.DatasetImages.CountAsync(i => i.DatasetId == dataset.Id && !i.Excluded
                && (from == null || i.TakenAt >= from) && (before == null || i.TakenAt < before), cancellationToken);
            if (dated == 0)
                return TypedResults.ValidationProblem(new Dictionary<string, string[]>
                {
                    ["config.takenFrom"] = ["no usable image of the dataset was taken in that range (images without a date are left out when a range is set)"],
                });
        }

        var preset = string.IsNullOrWhiteSpace(request.Preset) ? GanPresets.Default : request.Preset.Trim();
        var run = new Run
        {
            OwnerId = userId,
            DatasetId = dataset.Id,
            Name = string.IsNullOrWhiteSpace(request.Name) ? $"{dataset.Name}, {preset}" : request.Name.Trim(),
            Preset = preset,
            ConfigJson = JsonSerializer.Serialize(config, GanPresets.JsonOptions),
            TotalIterations = config.Iterations,
        };
        await lifecycle.AdmitAsync(run, cancellationToken);
        return TypedResults.Accepted($"/api/runs/{run.Id}", ToResponse(run));
    }

    /// <summary>The distinct labels of a dataset's usable images (the classes of a conditional run).</summary>
    internal static Task<int> CountLabelsAsync(GanDbContext db, Guid datasetId, CancellationToken cancellationToken) =>
        db.DatasetImages.Where(i => i.DatasetId == datasetId && !i.Excluded && i.Label != null).Select(i => i.Label!).Distinct().CountAsync(cancellationToken);

    /// <summary>Fills what the dataset decides unless the overrides set it: channels, and numClasses for a conditional run.</summary>
    internal static void ApplyDatasetDefaults(JsonObject overrides, int channels, int labels)
    {
        if (!overrides.ContainsKey("channels")) overrides["channels"] = channels;
        if (overrides.TryGetPropertyValue("conditional", out var conditional) && conditional?.GetValueKind() == JsonValueKind.True && !overrides.ContainsKey("numClasses"))
            overrides["numClasses"] = labels;
    }

    private static ValidationProblem ConfigProblem(IReadOnlyDictionary<string, string> errors, string prefix) =>
        TypedResults.ValidationProblem(
            errors.ToDictionary(e => e.Key == "preset" ? "preset" : prefix + e.Key, e => new[] { e.Value }),
            detail: "Invalid run configuration: " + string.Join("; ", errors.Select(e => $"{e.Key}: {e.Value}")));

    public static async Task<Ok<RunResponse[]>> ListRunsAsync(ClaimsPrincipal caller, GanDbContext db, CancellationToken cancellationToken)
    {
        var userId = caller.UserId();
        var runs = await db.Runs.AsNoTracking().Where(r => r.OwnerId == userId).OrderByDescending(r => r.CreatedAt).ToListAsync(cancellationToken);
        return TypedResults.Ok(runs.Select(ToResponse).ToArray());
    }

    public static async Task<Results<Ok<RunResponse>, ProblemHttpResult>> GetRunAsync(
        Guid id, ClaimsPrincipal caller, GanDbContext db, RunLifecycle lifecycle, CancellationToken cancellationToken)
    {
        var run = await FindAsync(db, caller.UserId(), id, cancellationToken);
        if (run is null) return Problems.NotFound("run");
        return TypedResults.Ok(ToResponse(run) with { Queue = await lifecycle.PlaceOfAsync(run, cancellationToken) });
    }

    public static async Task<Results<Accepted<RunResponse>, ProblemHttpResult>> CancelRunAsync(
        Guid id, ClaimsPrincipal caller, GanDbContext db, RunLifecycle lifecycle, CancellationToken cancellationToken)
    {
        var run = await FindAsync(db, caller.UserId(), id, cancellationToken);
        if (run is null) return Problems.NotFound("run");
        if (run.Status.IsTerminal())
            return Problems.Of(StatusCodes.Status409Conflict, $"The run is already {run.Status.ToWire()}.");

        await lifecycle.CancelAsync(run.Id, cancellationToken);
        var updated = await db.Runs.AsNoTracking().FirstAsync(r => r.Id == id, cancellationToken);
        return TypedResults.Accepted($"/api/runs/{id}", ToResponse(updated));
    }

    public static async Task<Results<Accepted<RunResponse>, ValidationProblem, ProblemHttpResult>> ForkRunAsync(
        Guid id, ForkRunRequest request, ClaimsPrincipal caller, GanDbContext db, IBlobStore blobs, RunLifecycle lifecycle, CancellationToken cancellationToken)
    {
        var userId = caller.UserId();
        var parent = await FindAsync(db, userId, id, cancellationToken);
        if (parent is null) return Problems.NotFound("run");
        var checkpoint = await db.RunCheckpoints.AsNoTracking().FirstOrDefaultAsync(c => c.RunId == id && c.Iteration == request.FromIteration, cancellationToken);
        if (checkpoint is null)
        {
            var kept = await db.RunCheckpoints.Where(c => c.RunId == id).OrderBy(c => c.Iteration).Select(c => c.Iteration).ToListAsync(cancellationToken);
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["fromIteration"] = [kept.Count == 0 ? "this run has no checkpoint yet" : $"no checkpoint at {request.FromIteration}; kept: {string.Join(", ", kept)}"],
            });
        }
        var overrides = request.Config ?? [];
        var locked = overrides.Select(p => p.Key).Where(k => !ForkableFields.Contains(k)).ToList();
        if (locked.Count > 0)
            return TypedResults.ValidationProblem(locked.ToDictionary(k => "config." + k, _ => new[] { "cannot change in a fork (it defines the networks or the state the fork inherits); start a new run instead" }));
        var (config, errors) = GanPresets.ApplyOverrides(GanTrainer.ReadConfig(parent.ConfigJson), overrides);
        if (config is null) return ConfigProblem(errors, "config.");
        if (config.Iterations <= request.FromIteration)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["config.iterations"] = [$"must be more than fromIteration ({request.FromIteration})"] });
        if (await lifecycle.CheckAdmissionAsync(userId, cancellationToken: cancellationToken) is { } refusal) return Problems.Refused(refusal);

        var fork = new Run
        {
            OwnerId = userId,
            DatasetId = parent.DatasetId,
            Name = $"{parent.Name} (fork @ {request.FromIteration})",
            Preset = parent.Preset,
            ConfigJson = JsonSerializer.Serialize(config, GanPresets.JsonOptions),
            TotalIterations = config.Iterations,
            Iteration = request.FromIteration,
            ParentRunId = parent.Id,
            ParentIteration = request.FromIteration,
            CheckpointIteration = request.FromIteration,
        };
        // The fork owns a copy of the checkpoint, so deleting the parent later leaves it whole.
        fork.CheckpointKey = RunBlobKeys.Checkpoint(fork.Id, request.FromIteration);
        await using (var source = await blobs.OpenReadAsync(checkpoint.BlobKey, cancellationToken))
        {
            if (source is null) return Problems.Of(StatusCodes.Status409Conflict, $"The checkpoint at {request.FromIteration} is missing from storage.");
            await blobs.PutAsync(fork.CheckpointKey, source, cancellationToken);
        }
        db.RunCheckpoints.Add(new RunCheckpoint { RunId = fork.Id, Iteration = request.FromIteration, BlobKey = fork.CheckpointKey, SizeBytes = checkpoint.SizeBytes, Sha256 = checkpoint.Sha256 });
        // The history up to the fork point, so its charts start where the parent was.
        var history = await db.RunMetrics.AsNoTracking().Where(m => m.RunId == id && m.Iteration <= request.FromIteration).ToListAsync(cancellationToken);
        foreach (var row in history)
        {
            row.Id = 0;
            row.RunId = fork.Id;
        }
        await lifecycle.AdmitAsync(fork, cancellationToken); // saves the run (and, with it, the rows added above)
        db.RunMetrics.AddRange(history);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Accepted($"/api/runs/{fork.Id}", ToResponse(fork));
    }


    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteRunAsync(
        Guid id, ClaimsPrincipal caller, GanDbContext db, IBlobStore blobs, RunLifecycle lifecycle, CancellationToken cancellationToken)
    {
        var run = await FindAsync(db, caller.UserId(), id, cancellationToken);
        if (run is null) return Problems.NotFound("run");
        await lifecycle.DeleteAsync(run, blobs, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<IResult> GetMetricsAsync(Guid id, string? format, ClaimsPrincipal caller, GanDbContext db, CancellationToken cancellationToken)
    {
        var run = await FindAsync(db, caller.UserId(), id, cancellationToken);
        if (run is null) return Problems.NotFound("run");
        if (format is not (null or "json" or "csv"))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["format"] = ["json or csv"] });
        var rows = (await db.RunMetrics.AsNoTracking().Where(m => m.RunId == id).OrderBy(m => m.Iteration).ThenBy(m => m.Id)
            .ToListAsync(cancellationToken)).Select(MetricRow.From).ToList();
        if (format != "csv") return TypedResults.Ok(rows);
        return TypedResults.Text(MetricsCsv.Write(rows), "text/csv", Encoding.UTF8);
    }

    public static async Task<Results<ServerSentEventsResult<object>, ProblemHttpResult>> StreamEvents(
        Guid id, ClaimsPrincipal caller, GanDbContext db, RunEventsHub hub, CancellationToken cancellationToken)
    {
        var run = await FindAsync(db, caller.UserId(), id, cancellationToken);
        if (run is null) return Problems.NotFound("run");
        return TypedResults.ServerSentEvents(RunEventsAsync(id, hub, cancellationToken));
    }

    /// <summary>
    /// Turns the run's changes, as <see cref="RunEventsHub"/> polls them for all subscribers at once, into events.
    /// </summary>
    private static async IAsyncEnumerable<SseItem<object>> RunEventsAsync(Guid id, RunEventsHub hub, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var watch = hub.Watch(id);
        DateTime? lastUpdate = null;
        RunStatus? lastStatus = null;
        long lastSample = -1;
        var diagnosesSent = 0;
        var keepAlive = DateTime.UtcNow;
        while (!cancellationToken.IsCancellationRequested)
        {
            var snapshot = await hub.NextAsync(id, cancellationToken);
            if (snapshot is null)
            {
                yield return new SseItem<object>(new { id, status = "deleted" }, "end");
                yield break;
            }
            var run = snapshot.Run;
            if (run.UpdatedAt != lastUpdate || run.Status != lastStatus)
            {
                (lastUpdate, lastStatus) = (run.UpdatedAt, run.Status);
                keepAlive = DateTime.UtcNow;
                yield return new SseItem<object>(ToResponse(run), "progress");
            }
            foreach (var iteration in snapshot.Samples.Where(i => i > lastSample))
            {
                lastSample = iteration;
                yield return new SseItem<object>(new SampleResponse(iteration, SampleUrl(id, iteration)), "sample");
            }
            var diagnoses = Diagnoses(run.DiagnosticsJson);
            for (; diagnosesSent < diagnoses.Count; diagnosesSent++)
                yield return new SseItem<object>(diagnoses[diagnosesSent], "diagnosis");
            if (run.Status.IsTerminal())
            {
                yield return new SseItem<object>(new { id, status = run.Status, iteration = run.Iteration, error = run.Error }, "end");
                yield break;
            }
            if (DateTime.UtcNow - keepAlive > TimeSpan.FromSeconds(15))
            {
                keepAlive = DateTime.UtcNow;
                yield return new SseItem<object>(new { id, status = run.Status }, "heartbeat");
            }
        }
    }

    public static async Task<Results<Ok<SampleResponse[]>, ProblemHttpResult>> ListSamplesAsync(Guid id, ClaimsPrincipal caller, GanDbContext db, CancellationToken cancellationToken)
    {
        var run = await FindAsync(db, caller.UserId(), id, cancellationToken);
        if (run is null) return Problems.NotFound("run");
        var iterations = await db.RunSamples.Where(s => s.RunId == id).OrderBy(s => s.Iteration).Select(s => s.Iteration).ToListAsync(cancellationToken);
        return TypedResults.Ok(iterations.Select(i => new SampleResponse(i, SampleUrl(id, i))).ToArray());
    }

    public static async Task<IResult> GetSampleAsync(Guid id, long iteration, ClaimsPrincipal caller, GanDbContext db, IBlobStore blobs, CancellationToken cancellationToken)
    {
        var run = await FindAsync(db, caller.UserId(), id, cancellationToken);
        if (run is null) return Problems.NotFound("run");
        var key = await db.RunSamples.Where(s => s.RunId == id && s.Iteration == iteration).Select(s => s.BlobKey).FirstOrDefaultAsync(cancellationToken);
        var png = key is null ? null : await blobs.ReadAllBytesAsync(key, cancellationToken);
        return png is null ? Problems.NotFound("sample grid at that iteration") : TypedResults.File(png, "image/png");
    }

    public static async Task<Results<Ok<CheckpointResponse[]>, ProblemHttpResult>> ListCheckpointsAsync(Guid id, ClaimsPrincipal caller, GanDbContext db, CancellationToken cancellationToken)
    {
        var run = await FindAsync(db, caller.UserId(), id, cancellationToken);
        if (run is null) return Problems.NotFound("run");
        var checkpoints = await db.RunCheckpoints.Where(c => c.RunId == id).OrderBy(c => c.Iteration)
            .Select(c => new CheckpointResponse(c.Iteration, c.SizeBytes, c.CreatedAt)).ToArrayAsync(cancellationToken);
        return TypedResults.Ok(checkpoints);
    }

    /// <summary>The caller's run, or null (another user's run is as missing as one that never was).</summary>
    internal static Task<Run?> FindAsync(GanDbContext db, Guid userId, Guid id, CancellationToken cancellationToken) =>
        db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id && r.OwnerId == userId, cancellationToken);

    internal static string SampleUrl(Guid runId, long iteration) => $"/api/runs/{runId}/samples/{iteration}";

    internal static List<DiagnosisResponse> Diagnoses(string json) =>
        JsonSerializer.Deserialize<List<DiagnosisResponse>>(json, JsonSerializerOptions.Web) ?? [];

    private static RunResponse ToResponse(Run run) => new(
        run.Id, run.DatasetId, run.Name, run.Preset, run.Status, run.Iteration, run.TotalIterations, run.ImagesPerSecond, run.EtaSeconds,
        run.EtaSeconds is { } eta && run.Status == RunStatus.Running ? run.UpdatedAt.AddSeconds(eta) : null,
        run.LossD is null && run.DReal is null ? null : new LatestResponse(run.LossD, run.LossG, run.DReal, run.DFake, run.AugmentP, run.SkippedSteps),
        run.EvaluatedIteration is null ? null : new RunMetricsResponse(run.EvaluatedIteration.Value, run.Swd, run.SwdRealFloor, run.Diversity, run.RealDiversity, run.NearestNeighbourRatio),
        run.BestIteration is { } best ? new BestResponse(best, run.BestSwd, run.BestDiversity) : null,
        Diagnoses(run.DiagnosticsJson), run.Error, JsonNode.Parse(run.ConfigJson)!.AsObject(),
        run.CreatedAt, run.StartedAt, run.FinishedAt, run.ParentRunId, run.ParentIteration, run.CheckpointIteration)
    {
        WaitingReason = run.WaitingReason,
    };
}

public sealed record CreateRunRequest(Guid DatasetId, string? Name, string? Preset, JsonObject? Config);

public sealed record ForkRunRequest(long FromIteration, JsonObject? Config);

public sealed record RunResponse(
    Guid Id, Guid DatasetId, string Name, string Preset, RunStatus Status, long Iteration, long TotalIterations,
    double? ImagesPerSecond, double? EtaSeconds, DateTime? Eta, LatestResponse? Latest, RunMetricsResponse? Metrics, BestResponse? Best,
    IReadOnlyList<DiagnosisResponse> Diagnostics, string? Error, JsonObject Config,
    DateTime CreatedAt, DateTime? StartedAt, DateTime? FinishedAt, Guid? ParentRunId, long? ParentIteration, long? CheckpointIteration,
    QueuePlace? Queue = null)
{
    /// <summary>Why a queued run waits after a storage or database fault ("Waiting for storage: ..."); null otherwise.</summary>
    public string? WaitingReason { get; init; }
}

public sealed record LatestResponse(double? LossD, double? LossG, double? DReal, double? DFake, double? AugmentP, long SkippedSteps);

/// <summary>The latest evaluation: SWD (x 1e3) and its real-vs-real floor, MS-SSIM diversity (lower = more varied) and the real set's, nearest-neighbour ratio (below 1 = closer to the training images than they are to each other).</summary>
public sealed record RunMetricsResponse(long Iteration, double? Swd, double? SwdRealFloor, double? Diversity, double? RealDiversity, double? NearestNeighbour);

/// <summary>
/// The best evaluation so far: the lowest SWD among evaluations whose samples do not copy the training set, with a kept
/// checkpoint at its iteration (`iteration: "best"` on generate, interpolate and export). Null before the first evaluation.
/// </summary>
public sealed record BestResponse(long Iteration, double? Swd, double? Diversity);

/// <summary>A diagnosis in plain words, with the figures it quotes by name (<c>values</c>) for clients that say it in another language.</summary>
public sealed record DiagnosisResponse(string Code, long Iteration, string Message, string Suggestion, IReadOnlyDictionary<string, string>? Values = null);

public sealed record SampleResponse(long Iteration, string Url);

public sealed record CheckpointResponse(long Iteration, long SizeBytes, DateTime CreatedAt);
