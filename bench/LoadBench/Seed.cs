using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace GanService.LoadBench;

/// <summary>What one user's clients read: its dataset, a finished run with samples and checkpoints, and a run to follow.</summary>
internal sealed record User(string ApiKey, Guid DatasetId, Guid FinishedRunId, long[] SampleIterations, Guid FollowedRunId);

internal static class Seed
{
    // 16 px, width 8: a few milliseconds a step, so seeding 20 users takes seconds of training.
    private static JsonObject Tiny(int iterations, int every, int evaluateEvery) => new()
    {
        ["resolution"] = 16, ["batchSize"] = 4, ["generatorChannels"] = 8, ["discriminatorChannels"] = 8, ["latentDim"] = 16,
        ["iterations"] = iterations, ["sampleEvery"] = every, ["checkpointEvery"] = every, ["evaluateEvery"] = evaluateEvery, ["threads"] = 1,
    };

    public static async Task<List<User>> UsersAsync(HttpClient http, Options options)
    {
        var files = Directory.GetFiles(options.Images).Where(f => f.EndsWith(".png") || f.EndsWith(".jpg") || f.EndsWith(".jpeg")).ToArray();
        if (files.Length == 0) throw new ArgumentException($"no PNG or JPEG images in {options.Images}");

        var created = new List<(string Key, Guid Dataset, Guid Run)>();
        for (var u = 0; u < options.Users; u++)
        {
            using var admin = Request(HttpMethod.Post, "/api/users", options.AdminKey, JsonContent.Create(new { name = $"load-{u:00}", maxConcurrentRuns = 2 }));
            var user = await SendAsync(http, admin);
            var key = user.GetProperty("apiKey").GetString()!;

            var form = new MultipartFormDataContent { { new StringContent($"load-{u:00} drawings"), "name" } };
            foreach (var file in files)
            {
                var part = new ByteArrayContent(await File.ReadAllBytesAsync(file));
                part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                form.Add(part, "files", Path.GetFileName(file));
            }
            using var upload = Request(HttpMethod.Post, "/api/datasets", key, form);
            var dataset = (await SendAsync(http, upload)).GetProperty("id").GetGuid();

            using var start = Request(HttpMethod.Post, "/api/runs", key, JsonContent.Create(new { datasetId = dataset, name = "finished", config = Tiny(40, 10, 40) }));
            created.Add((key, dataset, (await SendAsync(http, start)).GetProperty("id").GetGuid()));
        }

        var users = new List<User>();
        foreach (var (key, dataset, run) in created)
        {
            await WaitForAsync(http, key, run, "completed", TimeSpan.FromMinutes(5));
            using var samples = Request(HttpMethod.Get, $"/api/runs/{run}/samples", key);
            var iterations = (await SendAsync(http, samples)).EnumerateArray().Select(s => s.GetProperty("iteration").GetInt64()).ToArray();
            var followed = run;
            if (options.Train)
            {
                // Trains (the first) or waits in the queue (the rest) for the whole benchmark: its events never end.
                using var live = Request(HttpMethod.Post, "/api/runs", key, JsonContent.Create(new { datasetId = dataset, name = "followed", config = Tiny(10_000_000, 1_000_000, 10_000_000) }));
                followed = (await SendAsync(http, live)).GetProperty("id").GetGuid();
            }
            users.Add(new User(key, dataset, run, iterations, followed));
        }
        return users;
    }

    public static async Task CancelLiveRunsAsync(HttpClient http, IEnumerable<User> users)
    {
        foreach (var user in users)
        {
            using var cancel = Request(HttpMethod.Post, $"/api/runs/{user.FollowedRunId}/cancel", user.ApiKey);
            using var _ = await http.SendAsync(cancel);
        }
    }

    public static HttpRequestMessage Request(HttpMethod method, string path, string key, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Add("X-Api-Key", key);
        return request;
    }

    private static async Task<JsonElement> SendAsync(HttpClient http, HttpRequestMessage request)
    {
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"{request.Method} {request.RequestUri}: {(int)response.StatusCode} {body}");
        return JsonSerializer.Deserialize<JsonElement>(body);
    }

    private static async Task WaitForAsync(HttpClient http, string key, Guid run, string status, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            using var get = Request(HttpMethod.Get, $"/api/runs/{run}", key);
            var state = await SendAsync(http, get);
            var now = state.GetProperty("status").GetString();
            if (now == status) return;
            if (now is "failed" or "cancelled" || DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"run {run} is {now}, not {status}: {state}");
            await Task.Delay(250);
        }
    }
}
