using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanService.Api.Tests.Infrastructure;
using GanService.Domain.Data;
using GanService.Domain.Jobs;
using GanService.Domain.Storage;
using Microsoft.Extensions.DependencyInjection;
using static GanService.Api.Tests.Infrastructure.RunHelpers;

namespace GanService.Api.Tests.Apis;

/// Runs end to end in one process: the API queues, the in-process Hangfire server trains (embedded mode).
public abstract class RunsApiTests<TFactory>(TFactory factory) where TFactory : GanApiFactory
{
    [Fact]
    public async Task A_run_goes_queued_running_completed_with_samples_checkpoints_metrics_and_events()
    {
        var (_, client, _) = await factory.CreateUserAsync("trainer");
        var datasetId = await UploadDatasetAsync(client);

        var created = await StartRunAsync(client, datasetId, TinyConfig(iterations: 40));
        Assert.Contains(created.Status(), new[] { RunStatus.Queued, RunStatus.Running });
        var runId = created.Id();

        // The event stream, read while the run trains: progress events, then the end.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        using var events = await client.GetAsync($"/api/runs/{runId}/events", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal("text/event-stream", events.Content.Headers.ContentType?.MediaType);
        var stream = await events.Content.ReadAsStringAsync(timeout.Token); // ends when the run ends

        var run = await WaitForStatusAsync(client, runId, RunStatus.Completed);
        Assert.Equal(40, run.GetProperty("iteration").GetInt64());
        Assert.Equal(40, run.GetProperty("totalIterations").GetInt64());
        Assert.True(run.GetProperty("imagesPerSecond").GetDouble() > 0);
        var metrics = run.GetProperty("metrics");
        Assert.True(metrics.GetProperty("swd").GetDouble() > 0);
        Assert.Equal(JsonValueKind.Number, metrics.GetProperty("diversity").ValueKind);
        Assert.Equal(JsonValueKind.Object, run.GetProperty("latest").ValueKind);

        Assert.Contains("event: progress", stream);
        Assert.Contains("event: sample", stream);
        Assert.Contains("event: end", stream);
        Assert.Contains("\"completed\"", stream[stream.LastIndexOf("event: end", StringComparison.Ordinal)..]);

        var samples = await client.GetFromJsonAsync<JsonElement[]>($"/api/runs/{runId}/samples");
        Assert.Equal(new long[] { 20, 40 }, samples!.Select(s => s.GetProperty("iteration").GetInt64()));
        var grid = await client.GetAsync(samples![0].GetProperty("url").GetString());
        Assert.Equal("image/png", grid.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0x89, (await grid.Content.ReadAsByteArrayAsync())[0]);

        var checkpoints = await client.GetFromJsonAsync<JsonElement[]>($"/api/runs/{runId}/checkpoints");
        Assert.Equal(new long[] { 20, 40 }, checkpoints!.Select(c => c.GetProperty("iteration").GetInt64()));
        Assert.All(checkpoints!, c => Assert.True(c.GetProperty("sizeBytes").GetInt64() > 1000));

        // The best evaluation is one of the checkpoints, and a completed run generates from it by default.
        var best = run.GetProperty("best");
        var bestIteration = best.GetProperty("iteration").GetInt64();
        Assert.Contains(bestIteration, new long[] { 20, 40 });
        Assert.True(best.GetProperty("swd").GetDouble() > 0);
        using var generated = await client.PostAsJsonAsync($"/api/runs/{runId}/generate", new { count = 1 });
        Assert.Equal(HttpStatusCode.OK, generated.StatusCode);
        Assert.Equal(bestIteration.ToString(System.Globalization.CultureInfo.InvariantCulture), generated.Headers.GetValues("X-Checkpoint-Iteration").Single());

        var series = await client.GetFromJsonAsync<JsonElement[]>($"/api/runs/{runId}/metrics");
        Assert.Contains(series!, m => m.GetProperty("iteration").GetInt64() == 10 && m.GetProperty("lossD").ValueKind == JsonValueKind.Number);
        Assert.Contains(series!, m => m.GetProperty("iteration").GetInt64() == 40 && m.GetProperty("swd").ValueKind == JsonValueKind.Number);
        var csv = await client.GetStringAsync($"/api/runs/{runId}/metrics?format=csv");
        Assert.StartsWith("iteration,seconds,lossD,lossG", csv);
        Assert.Equal(series!.Length + 1, csv.TrimEnd('\n').Split('\n').Length);
    }

    [Fact]
    public async Task An_invalid_config_is_a_400_that_names_the_field_and_creates_nothing()
    {
        var (_, client, _) = await factory.CreateUserAsync("typo");
        var datasetId = await UploadDatasetAsync(client);

        var response = await client.PostAsJsonAsync("/api/runs", new { datasetId, config = new { loss = "least-squares", resolution = 48 } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("config.loss", out _) || errors.TryGetProperty("config.resolution", out _), problem.ToString());
        Assert.Empty((await client.GetFromJsonAsync<JsonElement[]>("/api/runs"))!);

        var unknownPreset = await client.PostAsJsonAsync("/api/runs", new { datasetId, preset = "stylegan9" });
        Assert.Equal(HttpStatusCode.BadRequest, unknownPreset.StatusCode);
        Assert.Contains("preset", await unknownPreset.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Cancel_stops_a_running_run_and_keeps_its_checkpoints()
    {
        var (_, client, _) = await factory.CreateUserAsync("canceller");
        var datasetId = await UploadDatasetAsync(client);
        var runId = (await StartRunAsync(client, datasetId, TinyConfig(iterations: 1_000_000, every: 20))).Id();
        await WaitForAsync(client, runId, r => r.Status() == RunStatus.Running && r.GetProperty("checkpointIteration").ValueKind == JsonValueKind.Number);

        var cancel = await client.PostAsync($"/api/runs/{runId}/cancel", null);

        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        var run = await WaitForStatusAsync(client, runId, RunStatus.Cancelled, seconds: 15);
        Assert.True(run.GetProperty("iteration").GetInt64() < 1_000_000);
        Assert.NotEmpty((await client.GetFromJsonAsync<JsonElement[]>($"/api/runs/{runId}/checkpoints"))!);
        var again = await client.PostAsync($"/api/runs/{runId}/cancel", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task Fork_starts_from_a_kept_checkpoint_with_overrides()
    {
        var (_, client, _) = await factory.CreateUserAsync("forker", maxConcurrentRuns: 2);
        var datasetId = await UploadDatasetAsync(client);
        var parentId = (await StartRunAsync(client, datasetId, TinyConfig(iterations: 40))).Id();
        await WaitForStatusAsync(client, parentId, RunStatus.Completed);

        var locked = await client.PostAsJsonAsync($"/api/runs/{parentId}/fork", new { fromIteration = 20, config = new { generatorChannels = 16 } });
        Assert.Equal(HttpStatusCode.BadRequest, locked.StatusCode);
        Assert.Contains("config.generatorChannels", await locked.Content.ReadAsStringAsync());
        var missing = await client.PostAsJsonAsync($"/api/runs/{parentId}/fork", new { fromIteration = 30 });
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("kept: 20, 40", await missing.Content.ReadAsStringAsync());

        var response = await client.PostAsJsonAsync($"/api/runs/{parentId}/fork", new { fromIteration = 20, config = new { iterations = 60, loss = "bce" } });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var fork = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(parentId, fork.GetProperty("parentRunId").GetGuid());
        Assert.Equal(20, fork.GetProperty("iteration").GetInt64());
        var done = await WaitForStatusAsync(client, fork.Id(), RunStatus.Completed);
        Assert.Equal(60, done.GetProperty("iteration").GetInt64());
        Assert.Equal("bce", done.GetProperty("config").GetProperty("loss").GetString());
        var checkpoints = await client.GetFromJsonAsync<JsonElement[]>($"/api/runs/{fork.Id()}/checkpoints");
        Assert.Equal(new long[] { 20, 40, 60 }, checkpoints!.Select(c => c.GetProperty("iteration").GetInt64()));

        // The fork owns its copy of the checkpoint: deleting the parent leaves it whole.
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/runs/{parentId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/runs/{parentId}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/runs/{fork.Id()}/samples/60")).StatusCode);
    }

    [Fact]
    public async Task Delete_cancels_a_running_run_and_removes_it()
    {
        var (_, client, _) = await factory.CreateUserAsync("deleter");
        var datasetId = await UploadDatasetAsync(client);
        var runId = (await StartRunAsync(client, datasetId, TinyConfig(iterations: 1_000_000, every: 10))).Id();
        await WaitForAsync(client, runId, r => r.GetProperty("checkpointIteration").ValueKind == JsonValueKind.Number);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/runs/{runId}")).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/runs/{runId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/runs/{runId}/checkpoints")).StatusCode);
        // No blob outlives the run, not even one the worker wrote between the delete and noticing it (within a second).
        var blobs = factory.Services.GetRequiredService<IBlobStore>();
        var left = await blobs.ListAsync(RunBlobKeys.Prefix(runId));
        for (var wait = 0; left.Count > 0 && wait < 50; wait++)
        {
            await Task.Delay(200);
            left = await blobs.ListAsync(RunBlobKeys.Prefix(runId));
        }
        Assert.Empty(left);
        // The dataset is free to go once its runs are.
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/datasets/{datasetId}")).StatusCode);
    }

    [Fact]
    public async Task A_dataset_with_runs_cannot_be_deleted()
    {
        var (_, client, _) = await factory.CreateUserAsync("keeper");
        var datasetId = await UploadDatasetAsync(client);
        var runId = (await StartRunAsync(client, datasetId, TinyConfig(iterations: 20))).Id();

        var response = await client.DeleteAsync($"/api/datasets/{datasetId}");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("delete them first", await response.Content.ReadAsStringAsync());
        await WaitForStatusAsync(client, runId, RunStatus.Completed);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/datasets/{datasetId}")).StatusCode);
    }

    [Fact]
    public async Task Runs_over_maxConcurrentRuns_wait_as_pending_and_are_promoted_when_a_slot_frees()
    {
        var (_, client, _) = await factory.CreateUserAsync("queuer", maxConcurrentRuns: 1);
        var datasetId = await UploadDatasetAsync(client);
        var first = (await StartRunAsync(client, datasetId, TinyConfig(iterations: 1_000_000))).Id();
        var second = await StartRunAsync(client, datasetId, TinyConfig(iterations: 20));

        Assert.Equal(RunStatus.Pending, second.Status());
        var me = await client.GetFromJsonAsync<JsonElement>("/api/me");
        Assert.Equal(1, me.GetProperty("usage").GetProperty("runningRuns").GetInt32());

        await client.PostAsync($"/api/runs/{first}/cancel", null);
        await WaitForStatusAsync(client, second.Id(), RunStatus.Completed);
        Assert.Equal(RunStatus.Cancelled, (await GetRunAsync(client, first)).Status());
    }

    [Fact]
    public async Task An_account_without_run_slots_gets_403()
    {
        var (_, client, _) = await factory.CreateUserAsync("viewer", maxConcurrentRuns: 0);
        var datasetId = await UploadDatasetAsync(client);

        var response = await client.PostAsJsonAsync("/api/runs", new { datasetId, config = TinyConfig(20) });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("maxConcurrentRuns", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Every_run_route_with_another_users_ids_is_404()
    {
        var (_, owner, _) = await factory.CreateUserAsync("owner");
        var (_, other, _) = await factory.CreateUserAsync("other");
        var datasetId = await UploadDatasetAsync(owner);
        var runId = (await StartRunAsync(owner, datasetId, TinyConfig(iterations: 20))).Id();
        await WaitForStatusAsync(owner, runId, RunStatus.Completed);

        var otherDataset = await other.PostAsJsonAsync("/api/runs", new { datasetId, config = TinyConfig(20) });
        Assert.Equal(HttpStatusCode.NotFound, otherDataset.StatusCode);
        var routes = new (HttpMethod Method, string Path, object? Body)[]
        {
            (HttpMethod.Get, $"/api/runs/{runId}", null),
            (HttpMethod.Post, $"/api/runs/{runId}/cancel", null),
            (HttpMethod.Post, $"/api/runs/{runId}/fork", new { fromIteration = 20 }),
            (HttpMethod.Get, $"/api/runs/{runId}/metrics", null),
            (HttpMethod.Get, $"/api/runs/{runId}/metrics?format=csv", null),
            (HttpMethod.Get, $"/api/runs/{runId}/events", null),
            (HttpMethod.Get, $"/api/runs/{runId}/samples", null),
            (HttpMethod.Get, $"/api/runs/{runId}/samples/20", null),
            (HttpMethod.Get, $"/api/runs/{runId}/checkpoints", null),
            (HttpMethod.Post, $"/api/runs/{runId}/generate", new { count = 4 }),
            (HttpMethod.Post, $"/api/runs/{runId}/interpolate", new { seedFrom = 1, seedTo = 2, steps = 3 }),
            (HttpMethod.Get, $"/api/runs/{runId}/export", null),
            (HttpMethod.Get, $"/api/runs/{runId}/charts/losses.png", null),
            (HttpMethod.Delete, $"/api/runs/{runId}", null),
        };
        foreach (var (method, path, body) in routes)
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            var response = await other.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path}: {(int)response.StatusCode}");
        }
        Assert.DoesNotContain((await other.GetFromJsonAsync<JsonElement[]>("/api/runs"))!, r => r.Id() == runId);
        Assert.Equal(RunStatus.Completed, (await GetRunAsync(owner, runId)).Status());
    }
}

public sealed class SqliteRunsApiTests(SqliteApiFactory factory) : RunsApiTests<SqliteApiFactory>(factory), IClassFixture<SqliteApiFactory>;

public sealed class PostgresRunsApiTests(PostgresApiFactory factory) : RunsApiTests<PostgresApiFactory>(factory), IClassFixture<PostgresApiFactory>;

/// Two users share the one in-process worker; slices of about a second make the first run yield to the second.
public sealed class PreemptionTests(TimeSliceApiFactory factory) : IClassFixture<TimeSliceApiFactory>
{
    [Fact]
    public async Task A_run_past_its_time_slice_yields_to_another_users_waiting_run_and_resumes_after()
    {
        var (_, alice, _) = await factory.CreateUserAsync("alice");
        var (_, bob, _) = await factory.CreateUserAsync("bob");
        var aliceData = await UploadDatasetAsync(alice);
        var bobData = await UploadDatasetAsync(bob);
        var long_ = (await StartRunAsync(alice, aliceData, TinyConfig(iterations: 1_000_000, every: 50))).Id();
        await WaitForStatusAsync(alice, long_, RunStatus.Running);

        var short_ = (await StartRunAsync(bob, bobData, TinyConfig(iterations: 30, every: 10))).Id();

        await WaitForStatusAsync(bob, short_, RunStatus.Completed, seconds: 60);
        // Alice's run was checkpointed and requeued for Bob's, then picked up again from its checkpoint.
        var resumed = await WaitForAsync(alice, long_, r => r.Status() == RunStatus.Running && r.GetProperty("iteration").GetInt64() > 0, seconds: 30);
        Assert.True(resumed.GetProperty("checkpointIteration").GetInt64() > 0);
        await alice.PostAsync($"/api/runs/{long_}/cancel", null);
        await WaitForStatusAsync(alice, long_, RunStatus.Cancelled, seconds: 15);
    }
}

/// A run that reaches the maximum runtime stops as failed, says why, and keeps a checkpoint to fork from.
public sealed class MaxRuntimeTests(MaxRuntimeApiFactory factory) : IClassFixture<MaxRuntimeApiFactory>
{
    [Fact]
    public async Task A_run_past_the_maximum_runtime_fails_with_the_reason_and_a_checkpoint_at_the_stop()
    {
        var (_, client, _) = await factory.CreateUserAsync("long-runner");
        var datasetId = await UploadDatasetAsync(client);
        var runId = (await StartRunAsync(client, datasetId, TinyConfig(iterations: 1_000_000, every: 100_000))).Id();

        var run = await WaitForAsync(client, runId, r => r.Status().IsTerminal(), seconds: 60);

        Assert.Equal(RunStatus.Failed, run.Status());
        Assert.Contains("maximum runtime", run.GetProperty("error").GetString());
        var stoppedAt = run.GetProperty("iteration").GetInt64();
        Assert.InRange(stoppedAt, 1, 999_999);
        // No checkpoint interval was reached: the one kept is the one written at the stop, so a fork loses nothing.
        var checkpoints = await client.GetFromJsonAsync<JsonElement[]>($"/api/runs/{runId}/checkpoints");
        Assert.Equal(stoppedAt, Assert.Single(checkpoints!).GetProperty("iteration").GetInt64());
        var fork = await client.PostAsJsonAsync($"/api/runs/{runId}/fork", new { fromIteration = stoppedAt, config = new { iterations = stoppedAt + 10 } });
        Assert.Equal(HttpStatusCode.Accepted, fork.StatusCode);
        var forked = await WaitForAsync(client, (await fork.Content.ReadFromJsonAsync<JsonElement>()).Id(), r => r.Status().IsTerminal(), seconds: 60);
        Assert.Equal(RunStatus.Completed, forked.Status());
    }
}
