using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanService.Api.Tests.Infrastructure;
using GanService.Domain.Data;
using static GanService.Api.Tests.Infrastructure.RunHelpers;

namespace GanService.Api.Tests.Apis;

/// Sweeps end to end: one run per grid combination, trained by the in-process worker, compared best first.
public abstract class SweepsApiTests<TFactory>(TFactory factory) where TFactory : GanApiFactory
{
    private static JsonObject Grid(params (string Field, object[] Values)[] fields) =>
        new(fields.Select(f => KeyValuePair.Create(f.Field, (JsonNode?)JsonSerializer.SerializeToNode(f.Values))));

    private static async Task<JsonElement> CreateSweepAsync(HttpClient client, object body)
    {
        var response = await client.PostAsJsonAsync("/api/sweeps", body);
        var sweep = await response.ReadJsonAsync<JsonElement>(HttpStatusCode.Accepted);
        Assert.Equal($"/api/sweeps/{sweep.Id()}", response.Headers.Location?.OriginalString);
        return sweep;
    }

    private static async Task WaitForSweepAsync(HttpClient client, JsonElement sweep)
    {
        foreach (var run in sweep.GetProperty("runs").EnumerateArray())
            await WaitForStatusAsync(client, run.Id(), RunStatus.Completed, seconds: 180);
    }

    private static async Task<(int Width, int Height)> ComparisonSizeAsync(HttpClient client, Guid sweepId)
    {
        using var sheet = await (await client.GetAsync($"/api/sweeps/{sweepId}/compare.png")).ReadPngAsync();
        return (sheet.Width, sheet.Height);
    }

    [Fact]
    public async Task A_2x2_grid_trains_four_runs_listed_best_first_with_their_differences_samples_and_a_comparison_sheet()
    {
        var (_, client, _) = await factory.CreateUserAsync("sweeper", maxConcurrentRuns: 2);
        var datasetId = await UploadDatasetAsync(client);

        var sweep = await CreateSweepAsync(client, new
        {
            datasetId,
            name = "lr-loss",
            config = TinyConfig(iterations: 20, every: 10),
            grid = Grid(("lrD", [0.0001, 0.0004]), ("loss", ["hinge", "bce"])),
        });

        var sweepId = sweep.Id();
        var created = sweep.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(4, created.Count);
        Assert.Equal(2, created.Count(r => r.Status() == RunStatus.Queued || r.Status() == RunStatus.Running));
        Assert.Equal(2, created.Count(r => r.Status() == RunStatus.Pending));
        Assert.Contains(created, r => r.GetProperty("name").GetString() == "lr-loss lrD=0.0001 loss=hinge");
        Assert.Equal(JsonValueKind.Array, sweep.GetProperty("grid").GetProperty("lrD").ValueKind);
        var combos = new HashSet<(double, string)>();
        var seeds = new HashSet<long>();
        foreach (var run in created)
        {
            var differences = run.GetProperty("differences");
            Assert.Equal(2, differences.EnumerateObject().Count());
            var config = (await GetRunAsync(client, run.Id())).GetProperty("config");
            Assert.Equal(differences.GetProperty("lrD").GetDouble(), config.GetProperty("lrD").GetDouble());
            Assert.Equal(differences.GetProperty("loss").GetString(), config.GetProperty("loss").GetString());
            Assert.Equal(16, config.GetProperty("resolution").GetInt32()); // the base config applies to every run
            Assert.Equal(20, config.GetProperty("iterations").GetInt32());
            combos.Add((config.GetProperty("lrD").GetDouble(), config.GetProperty("loss").GetString()!));
            seeds.Add(config.GetProperty("seed").GetInt64());
        }
        Assert.Equal(4, combos.Count);
        Assert.Single(seeds); // one seed for the sweep: the runs differ only in the grid's values

        // Before any sample: placeholders, one row per run.
        var early = await client.GetAsync($"/api/sweeps/{sweepId}/compare.png");
        (await early.ReadPngAsync()).Dispose();

        await WaitForSweepAsync(client, sweep);

        var done = await (await client.GetAsync($"/api/sweeps/{sweepId}")).ReadJsonAsync<JsonElement>();
        Assert.Equal("lr-loss", done.GetProperty("name").GetString());
        Assert.Equal(datasetId, done.GetProperty("datasetId").GetGuid());
        var runs = done.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(4, runs.Count);
        Assert.All(runs, r => Assert.Equal(RunStatus.Completed, r.Status()));
        var swds = runs.Select(r => r.GetProperty("swd").GetDouble()).ToList();
        Assert.Equal(swds.Order(), swds); // best (lowest SWD) first
        foreach (var run in runs)
        {
            Assert.Equal(20, run.GetProperty("iteration").GetInt64());
            Assert.Equal(JsonValueKind.Number, run.GetProperty("diversity").ValueKind);
            Assert.Equal($"/api/runs/{run.Id()}", run.GetProperty("url").GetString());
            var sampleUrl = run.GetProperty("latestSampleUrl").GetString();
            Assert.Equal($"/api/runs/{run.Id()}/samples/20", sampleUrl);
            (await (await client.GetAsync(sampleUrl)).ReadPngAsync()).Dispose();
        }

        var list = await (await client.GetAsync("/api/sweeps")).ReadJsonAsync<JsonElement[]>();
        var summary = Assert.Single(list);
        Assert.Equal(sweepId, summary.Id());
        Assert.Equal((4, 4), (summary.GetProperty("runs").GetInt32(), summary.GetProperty("finished").GetInt32()));

        // One row per run: deleting a run of the sweep takes its row off the sheet (and off the sweep).
        var four = await ComparisonSizeAsync(client, sweepId);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/runs/{runs[^1].Id()}")).StatusCode);
        var three = await ComparisonSizeAsync(client, sweepId);
        Assert.Equal(four.Width, three.Width);
        Assert.True(three.Height < four.Height && 4 * three.Height > 3 * four.Height - 100, $"4 runs: {four.Height} px high, 3 runs: {three.Height} px");
        var after = await (await client.GetAsync($"/api/sweeps/{sweepId}")).ReadJsonAsync<JsonElement>();
        Assert.Equal(3, after.GetProperty("runs").GetArrayLength());
    }

    [Fact]
    public async Task Invalid_grids_are_400s_that_name_the_field_and_create_nothing()
    {
        var (_, client, _) = await factory.CreateUserAsync("typo");
        var datasetId = await UploadDatasetAsync(client);
        var config = TinyConfig(iterations: 20);

        async Task AssertInvalid(object body, string key, string? says = null)
        {
            var problem = await (await client.PostAsJsonAsync("/api/sweeps", body)).AssertProblemAsync(HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty(key, out var messages), $"no {key} in {problem}");
            if (says is not null) Assert.Contains(says, messages.ToString());
        }

        await AssertInvalid(new { datasetId, config, grid = Grid(("lrD", [0.0001, -1.0])) }, "grid.lrD[1]", "greater than 0");
        await AssertInvalid(new { datasetId, config, grid = Grid(("loss", ["hinge", 3])) }, "grid.loss[1]");
        await AssertInvalid(new { datasetId, config, grid = Grid(("lrD", [0.0001]), ("nCritic", [1, 0])) }, "grid.nCritic[1]");
        await AssertInvalid(new { datasetId, config = new JsonObject { ["iterations"] = 20 }, grid = Grid(("resolution", [16, 48])) }, "grid.resolution[1]", "power of two");
        await AssertInvalid(new { datasetId, config, grid = Grid(("learningRate", [0.1])) }, "grid.learningRate", "unknown");
        await AssertInvalid(new { datasetId, config, grid = Grid(("lrD", [])) }, "grid.lrD", "non-empty array");
        await AssertInvalid(new { datasetId, config, grid = new JsonObject { ["lrD"] = 0.0001 } }, "grid.lrD", "non-empty array");
        await AssertInvalid(new { datasetId, config, grid = Grid(("lrD", [0.0001, 0.0001])) }, "grid.lrD[1]", "repeats");
        await AssertInvalid(new { datasetId, config, grid = new JsonObject() }, "grid");
        await AssertInvalid(new { datasetId, config }, "grid");
        await AssertInvalid(new { datasetId, config, grid = Grid(("iterations", [10, 30])) }, "grid.iterations", "also set in config");
        await AssertInvalid(new { datasetId, config = new JsonObject { ["loss"] = "least-squares" }, grid = Grid(("lrD", [0.0001, 0.0002])) }, "config.loss");
        await AssertInvalid(new { datasetId, preset = "stylegan9", config, grid = Grid(("lrD", [0.0001])) }, "preset");

        // The cap on combinations: 4 x 5 = 20.
        var problem = await (await client.PostAsJsonAsync("/api/sweeps", new
        {
            datasetId, config,
            grid = Grid(("lrD", [0.0001, 0.0002, 0.0003, 0.0004]), ("lrG", [0.0001, 0.0002, 0.0003, 0.0004, 0.0005])),
        })).AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("20 combinations", problem.ToString());
        Assert.Contains("16", problem.GetProperty("errors").GetProperty("grid").ToString());

        Assert.Empty((await client.GetFromJsonAsync<JsonElement[]>("/api/runs"))!);
        Assert.Empty((await client.GetFromJsonAsync<JsonElement[]>("/api/sweeps"))!);
    }

    [Fact]
    public async Task An_account_without_run_slots_gets_403()
    {
        var (_, client, _) = await factory.CreateUserAsync("viewer", maxConcurrentRuns: 0);
        var datasetId = await UploadDatasetAsync(client);

        var response = await client.PostAsJsonAsync("/api/sweeps", new { datasetId, config = TinyConfig(20), grid = Grid(("lrD", [0.0001, 0.0002])) });

        var problem = await response.AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Contains("maxConcurrentRuns", problem.ToString());
        Assert.Empty((await client.GetFromJsonAsync<JsonElement[]>("/api/sweeps"))!);
    }

    [Fact]
    public async Task A_sweep_past_the_waiting_limit_is_a_429_that_creates_nothing_and_delete_removes_a_sweeps_runs()
    {
        var (_, client, _) = await factory.CreateUserAsync("eager", maxConcurrentRuns: 1);
        var datasetId = await UploadDatasetAsync(client);
        var blocker = (await StartRunAsync(client, datasetId, TinyConfig(iterations: 1_000_000, every: 100_000))).Id();

        // 16 runs: all wait behind the one slot.
        var big = await CreateSweepAsync(client, new
        {
            datasetId, config = TinyConfig(iterations: 20),
            grid = Grid(("lrD", [0.0001, 0.0002, 0.0003, 0.0004]), ("lrG", [0.0001, 0.0002, 0.0003, 0.0004])),
        });
        Assert.All(big.GetProperty("runs").EnumerateArray(), r => Assert.Equal(RunStatus.Pending, r.Status()));

        // 1 or 16 waiting (the blocker may still be queued) plus 6 is over 20.
        var response = await client.PostAsJsonAsync("/api/sweeps", new { datasetId, config = TinyConfig(20), grid = Grid(("lrD", [0.0001, 0.0002, 0.0003]), ("lrG", [0.0001, 0.0002])) });

        var problem = await response.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Contains("add 6", problem.ToString());
        Assert.Equal(17, (await client.GetFromJsonAsync<JsonElement[]>("/api/runs"))!.Length);
        Assert.Single((await client.GetFromJsonAsync<JsonElement[]>("/api/sweeps"))!);

        // No run has a sample yet: a sheet of placeholders.
        using (var sheet = await (await client.GetAsync($"/api/sweeps/{big.Id()}/compare.png")).ReadPngAsync())
            Assert.True(sheet.Height > 16 * 48);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/sweeps/{big.Id()}")).StatusCode);
        await (await client.GetAsync($"/api/sweeps/{big.Id()}")).AssertProblemAsync(HttpStatusCode.NotFound);
        var left = (await client.GetFromJsonAsync<JsonElement[]>("/api/runs"))!;
        Assert.Equal(blocker, Assert.Single(left).Id());
        Assert.Empty((await client.GetFromJsonAsync<JsonElement[]>("/api/sweeps"))!);

        await client.PostAsync($"/api/runs/{blocker}/cancel", null);
        await WaitForStatusAsync(client, blocker, RunStatus.Cancelled, seconds: 30);
    }

    [Fact]
    public async Task Every_sweep_route_with_another_users_ids_is_404()
    {
        var (_, owner, _) = await factory.CreateUserAsync("owner");
        var (_, other, _) = await factory.CreateUserAsync("other");
        var datasetId = await UploadDatasetAsync(owner);
        var sweep = await CreateSweepAsync(owner, new { datasetId, name = "private", config = TinyConfig(iterations: 20, every: 10), grid = Grid(("lrD", [0.0001])) });
        await WaitForSweepAsync(owner, sweep);

        await (await other.PostAsJsonAsync("/api/sweeps", new { datasetId, config = TinyConfig(20), grid = Grid(("lrD", [0.0001])) }))
            .AssertProblemAsync(HttpStatusCode.NotFound);
        var routes = new (HttpMethod Method, string Path)[]
        {
            (HttpMethod.Get, $"/api/sweeps/{sweep.Id()}"),
            (HttpMethod.Get, $"/api/sweeps/{sweep.Id()}/compare.png"),
            (HttpMethod.Delete, $"/api/sweeps/{sweep.Id()}"),
        };
        foreach (var (method, path) in routes)
        {
            var problem = await (await other.SendAsync(new HttpRequestMessage(method, path))).AssertProblemAsync(HttpStatusCode.NotFound);
            Assert.DoesNotContain("private", problem.ToString());
        }
        Assert.Empty((await other.GetFromJsonAsync<JsonElement[]>("/api/sweeps"))!);

        // Nothing changed for the owner; a request without a key is refused.
        var mine = await (await owner.GetAsync($"/api/sweeps/{sweep.Id()}")).ReadJsonAsync<JsonElement>();
        Assert.Equal(RunStatus.Completed, Assert.Single(mine.GetProperty("runs").EnumerateArray()).Status());
        using var anonymous = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/sweeps/{sweep.Id()}")).StatusCode);
    }
}

public sealed class SqliteSweepsApiTests(SqliteApiFactory factory) : SweepsApiTests<SqliteApiFactory>(factory), IClassFixture<SqliteApiFactory>;

public sealed class PostgresSweepsApiTests(PostgresApiFactory factory) : SweepsApiTests<PostgresApiFactory>(factory), IClassFixture<PostgresApiFactory>;
