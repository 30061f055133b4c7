using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace GanService.Worker.Cli;

/// <summary>
/// <c>bench-queue</c>: queue latency, from <c>POST /api/runs</c> to the run's status <c>running</c>, with an idle
/// worker, against a running service (bench/queue-latency.sh starts one in each mode). Each run is tiny and is
/// cancelled as soon as it runs, so the worker is idle again for the next.
/// </summary>
internal sealed class BenchQueueCommand : ICommand
{
    public string Name => "bench-queue";

    public string Summary => "queue latency (POST /api/runs to running) against a running service";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        OptionSpec.Value("api", "URL", "the service, e.g. http://127.0.0.1:5080 (required)"),
        OptionSpec.Value("key", "KEY", "an API key (required)"),
        OptionSpec.Value("images", "DIR", "a few images to upload as the dataset (required)"),
        OptionSpec.Value("runs", "N", "runs to time (default 15)"),
    ];

    public int Run(CommandArguments arguments, TextWriter output, TextWriter error) =>
        RunAsync(arguments, output, error).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(CommandArguments arguments, TextWriter output, TextWriter error)
    {
        var api = new Uri(arguments.RequiredText("api"));
        var images = arguments.ExistingDirectory("images");
        var count = arguments.Integer("runs", 15, 1, 1000);
        using var http = ServiceClient.Create(api, arguments.RequiredText("key"), TimeSpan.FromSeconds(60));
        var datasetId = await ServiceClient.UploadDatasetAsync(http, images, "queue bench", maxImages: 8);

        var config = new { resolution = 16, batchSize = 4, generatorChannels = 8, discriminatorChannels = 8, latentDim = 16, iterations = 1_000_000, evaluateEvery = 0, sampleEvery = 0, checkpointEvery = 0, threads = 1 };
        var latencies = new List<double>();
        for (var i = 0; i < count; i++)
        {
            var watch = Stopwatch.StartNew();
            var created = await http.PostAsJsonAsync("/api/runs", new { datasetId, name = $"queue bench {i}", config });
            if (!created.IsSuccessStatusCode) throw new UsageException($"POST /api/runs failed: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
            var runId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
            string status;
            do
            {
                // Polling every 10 ms adds at most that much to a figure.
                status = (await http.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}")).GetProperty("status").GetString()!;
                if (status != "running") await Task.Delay(10);
            } while (status is "queued" or "pending" && watch.Elapsed < TimeSpan.FromSeconds(60));
            var seconds = watch.Elapsed.TotalSeconds;
            if (status != "running") throw new InvalidOperationException($"run {runId} is {status} after {seconds:0.0} s");
            latencies.Add(seconds);
            error.WriteLine($"run {i + 1}/{count}: running after {seconds * 1000:0} ms");

            await http.PostAsync($"/api/runs/{runId}/cancel", null);
            do
            {
                await Task.Delay(50);
                status = (await http.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}")).GetProperty("status").GetString()!;
            } while (status != "cancelled");
            await http.DeleteAsync($"/api/runs/{runId}");
        }

        latencies.Sort();
        double Percentile(double p) => latencies[(int)Math.Min(latencies.Count - 1, Math.Round(p * (latencies.Count - 1)))];
        output.WriteLine($"queue latency over {count} runs: median {Percentile(0.5) * 1000:0} ms, min {latencies[0] * 1000:0} ms, max {latencies[^1] * 1000:0} ms");
        JsonSummary.Write(output, new
        {
            runs = count,
            medianMs = Math.Round(Percentile(0.5) * 1000, 1),
            minMs = Math.Round(latencies[0] * 1000, 1),
            p90Ms = Math.Round(Percentile(0.9) * 1000, 1),
            maxMs = Math.Round(latencies[^1] * 1000, 1),
        });
        await http.DeleteAsync($"/api/datasets/{datasetId}");
        return 0;
    }
}
