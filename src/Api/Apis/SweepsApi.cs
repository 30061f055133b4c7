using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanService.Api.Auth;
using GanService.Api.Infrastructure;
using GanService.Domain.Data;
using GanService.Domain.Gan;
using GanService.Domain.Imaging;
using GanService.Domain.Jobs;
using GanService.Domain.Storage;
using Hangfire;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace GanService.Api.Apis;

/// <summary>
/// Hyperparameter sweeps: one run per combination of a grid of config values, compared side by side.
/// </summary>
public static class SweepsApi
{
    /// <summary>The most combinations (runs) one sweep may make.</summary>
    internal const int MaxCombinations = 16;

    /// <summary>The config fields, camelCase, looked up case-insensitively (as GanPresets reads overrides).</summary>
    private static readonly Dictionary<string, string> ConfigFields = GanPresets.JsonOptions.GetTypeInfo(typeof(GanConfig)).Properties
        .Where(p => p.Set is not null).ToDictionary(p => p.Name, p => p.Name, StringComparer.OrdinalIgnoreCase);

    public static IEndpointRouteBuilder MapSweepsApi(this IEndpointRouteBuilder app)
    {
        var sweeps = app.MapGroup("/api/sweeps").WithTags("Sweeps").RequireAuthorization();

        sweeps.MapPost("/", CreateSweepAsync)
            .WithSummary("Starts one run per combination of the grid's values: the preset, plus config, plus the combination.")
            .WithDescription($"All or nothing (202 with the sweep and its runs). `grid` is an object of config fields, each with a non-empty array of values; " +
                             $"at most {MaxCombinations} combinations. A field may be in `config` or in `grid`, not both. Without a `seed` in either, all runs share one random seed, " +
                             "so they differ only in the grid's values. The runs count against your quotas like single runs: 403 when your account may not train, " +
                             "429 when they would take your waiting runs over the limit; those over maxConcurrentRuns wait as `pending`. " +
                             "A 400 names the bad part, e.g. `grid.lrD[1]`.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithExamples(request: new CreateSweepRequest(ExampleDatasetId, "lr and loss", "small-data",
                    new JsonObject { ["resolution"] = 64, ["iterations"] = 3000 },
                    new JsonObject { ["lrD"] = new JsonArray(1e-4, 4e-4), ["loss"] = new JsonArray("hinge", "bce") }),
                response: ExampleSweep with { Runs = [.. ExampleSweep.Runs.Select(r => r with { Status = RunStatus.Queued, Iteration = 0, Swd = null, SwdRealFloor = null, Diversity = null, NearestNeighbour = null, LatestSampleUrl = null })] },
                responseStatus: StatusCodes.Status202Accepted);
        sweeps.MapGet("/", ListSweepsAsync).WithSummary("Your sweeps, newest first.")
            .WithExamples(response: new[] { new SweepSummaryResponse(ExampleSweep.Id, ExampleSweep.Name, ExampleDatasetId, "small-data", ExampleSweep.Grid, 2, 2, ExampleSweep.CreatedAt, $"/api/sweeps/{ExampleSweep.Id}") });
        sweeps.MapGet("/{id:guid}", GetSweepAsync)
            .WithSummary("One of your sweeps with its runs, best first: lowest latest SWD first, runs without SWD after, ties by diversity (lower first).")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithExamples(response: ExampleSweep);
        sweeps.MapGet("/{id:guid}/compare.png", GetComparisonAsync)
            .WithSummary("The runs' latest sample grids stacked top to bottom, best first, each labelled with its grid values, status, iteration and SWD.")
            .ProducesImage("image/png")
            .ProducesProblem(StatusCodes.Status404NotFound);
        sweeps.MapDelete("/{id:guid}", DeleteSweepAsync)
            .WithSummary("Cancels and deletes the sweep's runs (as DELETE /api/runs/{id} does), then the sweep.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static readonly Guid ExampleDatasetId = Guid.Parse("3b0c7d7e-5a43-4c8f-9f0e-2d1f1b6a9c20");

    private static readonly SweepResponse ExampleSweep = new(
        Guid.Parse("9c4e2a71-3d5b-4f08-a6e1-7b2c9d0f4e35"), "lr and loss", ExampleDatasetId, "small-data",
        new JsonObject { ["resolution"] = 64, ["iterations"] = 3000 },
        new JsonObject { ["lrD"] = new JsonArray(1e-4, 4e-4), ["loss"] = new JsonArray("hinge") },
        new DateTime(2026, 11, 28, 10, 0, 0, DateTimeKind.Utc),
        [
            new SweepRunResponse(Guid.Parse("1a2b3c4d-0000-4000-8000-000000000001"), "lr and loss lrD=0.0004 loss=hinge",
                new JsonObject { ["lrD"] = 4e-4, ["loss"] = "hinge" }, RunStatus.Completed, 3000, 3000, 41.8, 22.7, 0.118, 1.15,
                "/api/runs/1a2b3c4d-0000-4000-8000-000000000001/samples/3000", "/api/runs/1a2b3c4d-0000-4000-8000-000000000001"),
            new SweepRunResponse(Guid.Parse("1a2b3c4d-0000-4000-8000-000000000002"), "lr and loss lrD=0.0001 loss=hinge",
                new JsonObject { ["lrD"] = 1e-4, ["loss"] = "hinge" }, RunStatus.Completed, 3000, 3000, 55.3, 22.7, 0.131, 1.19,
                "/api/runs/1a2b3c4d-0000-4000-8000-000000000002/samples/3000", "/api/runs/1a2b3c4d-0000-4000-8000-000000000002"),
        ]);

    public static async Task<Results<Accepted<SweepResponse>, ValidationProblem, ProblemHttpResult>> CreateSweepAsync(
        CreateSweepRequest request, ClaimsPrincipal caller, GanDbContext db, RunLifecycle lifecycle, TimeProvider time, CancellationToken cancellationToken)
    {
        var userId = caller.UserId();
        var dataset = await db.Datasets.AsNoTracking().Where(d => d.Id == request.DatasetId && d.OwnerId == userId)
            .Select(d => new { d.Id, d.Name, d.Channels }).FirstOrDefaultAsync(cancellationToken);
        if (dataset is null) return Problems.NotFound("dataset");
        if (request.Name is { Length: > 200 })
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["name"] = ["at most 200 characters"] });

        var config = request.Config ?? [];
        var (grid, gridErrors) = ParseGrid(request.Grid, config);
        if (gridErrors.Count > 0)
            return TypedResults.ValidationProblem(gridErrors.ToDictionary(e => e.Key, e => new[] { e.Value }), detail: "Invalid grid.");
        var count = grid.Aggregate(1L, (product, field) => Math.Min(product * field.Values.Count, int.MaxValue));
        if (count > MaxCombinations)
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["grid"] = [$"makes {count} combinations; the most is {MaxCombinations}"] },
                detail: $"The grid makes {count} combinations (runs); a sweep may make at most {MaxCombinations}.");

        if (await lifecycle.CheckAdmissionAsync(userId, adding: (int)count, cancellationToken) is { } refusal) return Problems.Refused(refusal);

        // One seed for the whole sweep unless given: the runs then differ only in the grid's values.
        var baseOverrides = config.DeepClone().AsObject();
        if (!ContainsField(baseOverrides, "seed") && !grid.Any(f => f.Field == "seed"))
            baseOverrides["seed"] = Random.Shared.Next(1, int.MaxValue);
        var labels = await RunsApi.CountLabelsAsync(db, dataset.Id, cancellationToken);

        var combinations = Combinations(grid);
        var resolved = new List<(int[] Indices, GanConfig Config)>();
        var errors = new Dictionary<string, string>();
        var configErrorCounts = new Dictionary<string, int>();
        foreach (var indices in combinations)
        {
            var overrides = baseOverrides.DeepClone().AsObject();
            for (var f = 0; f < grid.Count; f++) overrides[grid[f].Field] = grid[f].Values[indices[f]]?.DeepClone();
            RunsApi.ApplyDatasetDefaults(overrides, dataset.Channels, labels);
            var (resolvedConfig, resolveErrors) = GanPresets.TryResolve(request.Preset, overrides);
            if (resolvedConfig is not null)
            {
                resolved.Add((indices, resolvedConfig));
                continue;
            }
            foreach (var (key, message) in resolveErrors)
            {
                var f = grid.FindIndex(g => key.Equals(g.Field, StringComparison.OrdinalIgnoreCase) || key.StartsWith(g.Field + ".", StringComparison.OrdinalIgnoreCase));
                if (key == "preset")
                    errors.TryAdd("preset", message);
                else if (f >= 0)
                    errors.TryAdd($"grid.{grid[f].Field}[{indices[f]}]", key.Length > grid[f].Field.Length ? $"{key}: {message}" : message);
                else
                {
                    configErrorCounts[key] = configErrorCounts.GetValueOrDefault(key) + 1;
                    errors.TryAdd("config." + key, message + $" (with {Label(grid, indices)})");
                }
            }
        }
        // An error of the base config in every combination is the base config's, whatever the grid.
        foreach (var (key, times) in configErrorCounts)
        {
            if (times == combinations.Count && errors.TryGetValue("config." + key, out var message))
                errors["config." + key] = message[..message.LastIndexOf(" (with ", StringComparison.Ordinal)];
        }
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors.ToDictionary(e => e.Key, e => new[] { e.Value }),
                detail: "Invalid sweep: " + string.Join("; ", errors.Select(e => $"{e.Key}: {e.Value}")));
        var usable = await db.DatasetImages.CountAsync(i => i.DatasetId == dataset.Id && !i.Excluded, cancellationToken);
        if (usable == 0)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["datasetId"] = ["the dataset has no images that are not excluded"] });

        var preset = string.IsNullOrWhiteSpace(request.Preset) ? GanPresets.Default : request.Preset.Trim();
        var now = time.GetUtcNow().UtcDateTime;
        var sweep = new Sweep
        {
            OwnerId = userId,
            DatasetId = dataset.Id,
            Name = string.IsNullOrWhiteSpace(request.Name) ? $"{dataset.Name}, {preset} sweep" : request.Name.Trim(),
            Preset = preset,
            ConfigJson = config.ToJsonString(),
            GridJson = GridJson(grid).ToJsonString(),
            CreatedAt = now,
        };
        var runs = resolved.Select((r, n) => new Run
        {
            OwnerId = userId,
            DatasetId = dataset.Id,
            Name = Truncate($"{sweep.Name} {Label(grid, r.Indices, " ")}", 200),
            Preset = preset,
            ConfigJson = JsonSerializer.Serialize(r.Config, GanPresets.JsonOptions),
            TotalIterations = r.Config.Iterations,
            SweepId = sweep.Id,
            SweepValuesJson = Differences(grid, r.Indices).ToJsonString(),
            // Distinct times keep the grid's order among pending runs (the scheduler promotes oldest first).
            CreatedAt = now.AddTicks(n * 10),
            UpdatedAt = now,
        }).ToList();
        db.Sweeps.Add(sweep);
        await lifecycle.AdmitAllAsync(runs, cancellationToken); // saves the sweep and its runs together
        return TypedResults.Accepted($"/api/sweeps/{sweep.Id}", ToResponse(sweep, runs.Select(r => (r, (long?)null)).ToList()));
    }

    public static async Task<Ok<SweepSummaryResponse[]>> ListSweepsAsync(ClaimsPrincipal caller, GanDbContext db, CancellationToken cancellationToken)
    {
        var userId = caller.UserId();
        var sweeps = await db.Sweeps.AsNoTracking().Where(s => s.OwnerId == userId).OrderByDescending(s => s.CreatedAt)
            .Select(s => new
            {
                Sweep = s,
                Runs = db.Runs.Count(r => r.SweepId == s.Id),
                Finished = db.Runs.Count(r => r.SweepId == s.Id && (r.Status == RunStatus.Completed || r.Status == RunStatus.Failed || r.Status == RunStatus.Cancelled)),
            })
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(sweeps.Select(s => new SweepSummaryResponse(s.Sweep.Id, s.Sweep.Name, s.Sweep.DatasetId, s.Sweep.Preset,
            JsonNode.Parse(s.Sweep.GridJson)!.AsObject(), s.Runs, s.Finished, s.Sweep.CreatedAt, $"/api/sweeps/{s.Sweep.Id}")).ToArray());
    }

    public static async Task<Results<Ok<SweepResponse>, ProblemHttpResult>> GetSweepAsync(Guid id, ClaimsPrincipal caller, GanDbContext db, CancellationToken cancellationToken)
    {
        var sweep = await FindAsync(db, caller.UserId(), id, cancellationToken);
        if (sweep is null) return Problems.NotFound("sweep");
        var runs = await RunsBestFirstAsync(db, id, cancellationToken);
        return TypedResults.Ok(ToResponse(sweep, runs.Select(r => (r.Run, r.Sample?.Iteration)).ToList()));
    }

    public static async Task<IResult> GetComparisonAsync(Guid id, ClaimsPrincipal caller, GanDbContext db, IBlobStore blobs, CancellationToken cancellationToken)
    {
        var sweep = await FindAsync(db, caller.UserId(), id, cancellationToken);
        if (sweep is null) return Problems.NotFound("sweep");
        var runs = await RunsBestFirstAsync(db, id, cancellationToken);
        if (runs.Count == 0) return Problems.NotFound("run in this sweep (its runs were deleted)");
        var entries = new List<ComparisonEntry>(runs.Count);
        foreach (var (run, sample) in runs)
        {
            var png = sample is null ? null : await blobs.ReadAllBytesAsync(sample.BlobKey, cancellationToken);
            var differences = DifferencesOf(run);
            var title = differences.Count == 0 ? run.Name : string.Join("  ", differences.Select(d => $"{d.Key}={FormatValue(d.Value)}"));
            var swd = run.Swd is { } value ? value.ToString("0.##", CultureInfo.InvariantCulture) : "–";
            entries.Add(new ComparisonEntry(png, title, $"SWD {swd} · {run.Status.ToWire()} · {run.Iteration}/{run.TotalIterations}"));
        }
        return TypedResults.File(ComparisonSheet.Render(entries), "image/png");
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteSweepAsync(
        Guid id, ClaimsPrincipal caller, GanDbContext db, IBlobStore blobs, RunLifecycle lifecycle, CancellationToken cancellationToken)
    {
        var sweep = await FindAsync(db, caller.UserId(), id, cancellationToken);
        if (sweep is null) return Problems.NotFound("sweep");
        var runs = await db.Runs.AsNoTracking().Where(r => r.SweepId == id).ToListAsync(cancellationToken);
        // Waiting runs first, so that a slot freed by a deleted running run is not given to another run of this sweep.
        static int Order(RunStatus status) => status switch { RunStatus.Pending => 0, RunStatus.Queued => 1, RunStatus.Running => 2, _ => 3 };
        foreach (var run in runs.OrderBy(r => Order(r.Status)))
            await lifecycle.DeleteAsync(run, blobs, cancellationToken);
        await db.Sweeps.Where(s => s.Id == id).ExecuteDeleteAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    private static Task<Sweep?> FindAsync(GanDbContext db, Guid userId, Guid id, CancellationToken cancellationToken) =>
        db.Sweeps.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id && s.OwnerId == userId, cancellationToken);

    /// <summary>The sweep's runs with their newest sample grid: lowest SWD first, runs without SWD after, ties by diversity, then grid order.</summary>
    private static async Task<List<(Run Run, RunSample? Sample)>> RunsBestFirstAsync(GanDbContext db, Guid sweepId, CancellationToken cancellationToken)
    {
        var runs = await db.Runs.AsNoTracking().Where(r => r.SweepId == sweepId).ToListAsync(cancellationToken);
        var samples = await db.RunSamples.AsNoTracking()
            .Where(s => db.Runs.Any(r => r.Id == s.RunId && r.SweepId == sweepId)
                        && s.Iteration == db.RunSamples.Where(t => t.RunId == s.RunId).Max(t => t.Iteration))
            .ToDictionaryAsync(s => s.RunId, cancellationToken);
        return runs
            .OrderBy(r => r.Swd is null).ThenBy(r => r.Swd)
            .ThenBy(r => r.Diversity is null).ThenBy(r => r.Diversity)
            .ThenBy(r => r.CreatedAt)
            .Select(r => (r, samples.GetValueOrDefault(r.Id)))
            .ToList();
    }

    /// <summary>
    /// The grid as (canonical field, values), in the order given; errors keyed <c>grid</c>, <c>grid.field</c> or
    /// <c>grid.field[i]</c>.
    /// </summary>
    private static (List<(string Field, List<JsonNode?> Values)> Grid, Dictionary<string, string> Errors) ParseGrid(JsonObject? grid, JsonObject config)
    {
        var fields = new List<(string Field, List<JsonNode?> Values)>();
        var errors = new Dictionary<string, string>();
        if (grid is null || grid.Count == 0)
        {
            errors["grid"] = "must be a non-empty object of config fields, each with a non-empty array of values, e.g. {\"lrD\":[0.0001,0.0004]}";
            return (fields, errors);
        }
        foreach (var (key, node) in grid)
        {
            if (!ConfigFields.TryGetValue(key, out var field))
            {
                errors[$"grid.{key}"] = "unknown config field";
                continue;
            }
            if (fields.Any(f => f.Field == field))
            {
                errors[$"grid.{key}"] = $"repeats the field {field}";
                continue;
            }
            if (ContainsField(config, field))
            {
                errors[$"grid.{key}"] = "is also set in config; set it in one place";
                continue;
            }
            if (node is not JsonArray values || values.Count == 0)
            {
                errors[$"grid.{key}"] = "must be a non-empty array of values";
                continue;
            }
            for (var i = 1; i < values.Count; i++)
            {
                if (Enumerable.Range(0, i).Any(j => JsonNode.DeepEquals(values[j], values[i])))
                    errors[$"grid.{field}[{i}]"] = "repeats an earlier value";
            }
            fields.Add((field, [.. values]));
        }
        return (fields, errors);
    }

    private static bool ContainsField(JsonObject config, string field) => config.Any(p => p.Key.Equals(field, StringComparison.OrdinalIgnoreCase));

    /// <summary>Every combination as indices into each field's values; the first field varies slowest.</summary>
    private static List<int[]> Combinations(List<(string Field, List<JsonNode?> Values)> grid)
    {
        var result = new List<int[]>();
        var indices = new int[grid.Count];
        while (true)
        {
            result.Add((int[])indices.Clone());
            var f = grid.Count - 1;
            while (f >= 0 && ++indices[f] == grid[f].Values.Count)
            {
                indices[f] = 0;
                f--;
            }
            if (f < 0) return result;
        }
    }

    private static JsonObject GridJson(List<(string Field, List<JsonNode?> Values)> grid) =>
        new(grid.Select(g => KeyValuePair.Create(g.Field, (JsonNode?)new JsonArray(g.Values.Select(v => v?.DeepClone()).ToArray()))));

    private static JsonObject Differences(List<(string Field, List<JsonNode?> Values)> grid, int[] indices) =>
        new(grid.Select((g, f) => KeyValuePair.Create(g.Field, g.Values[indices[f]]?.DeepClone())));

    private static JsonObject DifferencesOf(Run run) => JsonNode.Parse(run.SweepValuesJson ?? "{}")!.AsObject();

    private static string Label(List<(string Field, List<JsonNode?> Values)> grid, int[] indices, string separator = ", ") =>
        string.Join(separator, grid.Select((g, f) => $"{g.Field}={FormatValue(g.Values[indices[f]])}"));

    private static string FormatValue(JsonNode? value) => value switch
    {
        null => "null",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => value.ToJsonString(),
    };

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";

    private static SweepResponse ToResponse(Sweep sweep, List<(Run Run, long? SampleIteration)> runs) => new(
        sweep.Id, sweep.Name, sweep.DatasetId, sweep.Preset, JsonNode.Parse(sweep.ConfigJson)!.AsObject(), JsonNode.Parse(sweep.GridJson)!.AsObject(), sweep.CreatedAt,
        [.. runs.Select(r => new SweepRunResponse(
            r.Run.Id, r.Run.Name, DifferencesOf(r.Run), r.Run.Status, r.Run.Iteration, r.Run.TotalIterations,
            r.Run.Swd, r.Run.SwdRealFloor, r.Run.Diversity, r.Run.NearestNeighbourRatio,
            r.SampleIteration is { } iteration ? RunsApi.SampleUrl(r.Run.Id, iteration) : null, $"/api/runs/{r.Run.Id}"))]);
}

/// <param name="Grid">Config fields, each with the values to try: {"lrD":[0.0001,0.0004],"loss":["hinge","bce"]}.</param>
public sealed record CreateSweepRequest(Guid DatasetId, string? Name, string? Preset, JsonObject? Config, JsonObject? Grid);

public sealed record SweepResponse(
    Guid Id, string Name, Guid DatasetId, string Preset, JsonObject Config, JsonObject Grid, DateTime CreatedAt, IReadOnlyList<SweepRunResponse> Runs);

/// <summary>One run of a sweep: its grid values (differences), progress and latest evaluation (SWD x 1e3, its real-vs-real floor, diversity, nearest-neighbour ratio).</summary>
public sealed record SweepRunResponse(
    Guid Id, string Name, JsonObject Differences, RunStatus Status, long Iteration, long TotalIterations,
    double? Swd, double? SwdRealFloor, double? Diversity, double? NearestNeighbour, string? LatestSampleUrl, string Url);

public sealed record SweepSummaryResponse(Guid Id, string Name, Guid DatasetId, string Preset, JsonObject Grid, int Runs, int Finished, DateTime CreatedAt, string Url);
