using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using GanService.Domain.Gan.Data;
using GanService.Domain.Gan.Generation;
using GanService.Domain.Imaging;

namespace GanService.Worker.Cli;

/// <summary>
/// <c>bench-generate</c>: on-demand generation over loopback against a running service (bench/generate.sh starts
/// one). Trains a short run with the default preset at 64x64, then times <c>POST /api/runs/{id}/generate</c> for 64
/// images: the cold load, one client, and several concurrent clients, next to the bare forward pass of the same
/// generator (from the run's export) timed in this process.
/// </summary>
internal sealed class BenchGenerateCommand : ICommand
{
    public string Name => "bench-generate";

    public string Summary => "on-demand generation latency and throughput against a running service";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        OptionSpec.Value("api", "URL", "the service, e.g. http://127.0.0.1:5080 (required)"),
        OptionSpec.Value("key", "KEY", "an API key (required)"),
        OptionSpec.Value("images", "DIR", "images to upload as the dataset (required)"),
        OptionSpec.Value("count", "N", "images per request (default 64)"),
        OptionSpec.Value("requests", "N", "timed requests per client (default 30)"),
        OptionSpec.Value("clients", "N", "concurrent clients for the load figure (default 8)"),
    ];

    public int Run(CommandArguments arguments, TextWriter output, TextWriter error) =>
        RunAsync(arguments, output, error).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(CommandArguments arguments, TextWriter output, TextWriter error)
    {
        var api = new Uri(arguments.RequiredText("api"));
        var images = arguments.ExistingDirectory("images");
        var count = arguments.Integer("count", 64, 1, 256);
        var requests = arguments.Integer("requests", 30, 3, 10_000);
        var clients = arguments.Integer("clients", 8, 2, 64);
        using var http = ServiceClient.Create(api, arguments.RequiredText("key"), TimeSpan.FromMinutes(5));

        var runId = await TrainRunAsync(http, images, error);
        var path = $"/api/runs/{runId}/generate";

        // The cold load: the first request for this checkpoint loads its generator.
        var cold = Stopwatch.StartNew();
        using (var first = await PostAsync(http, path, count, seed: 0))
        {
            error.WriteLine($"first request: {cold.Elapsed.TotalMilliseconds:0} ms, cache {Header(first, "X-Generator-Cache")}, load {Header(first, "X-Generator-Load-Milliseconds")} ms");
            output.WriteLine($"cold: first request {cold.Elapsed.TotalMilliseconds:0} ms (generator load {Header(first, "X-Generator-Load-Milliseconds")} ms, cache {Header(first, "X-Generator-Cache")})");
        }
        var coldMs = cold.Elapsed.TotalMilliseconds;
        for (var i = 0; i < 3; i++) (await PostAsync(http, path, count, seed: i)).Dispose(); // warm

        // The bare forward pass of the same generator, in this process, as the service runs it (eval, no grad).
        var export = await http.GetByteArrayAsync($"/api/runs/{runId}/export");
        using var generator = LoadedGenerator.Load(new MemoryStream(export));
        var forward = new List<double>();
        var toPixels = new List<double>();
        var encode = new List<double>();
        for (var i = 0; i < requests + 3; i++)
        {
            var watch = Stopwatch.StartNew();
            using var batch = generator.Generate(count, seed: 1000 + i);
            var forwardMs = watch.Elapsed.TotalMilliseconds;
            var tiles = TrainingData.ToPixelImages(batch);
            var pixelsMs = watch.Elapsed.TotalMilliseconds - forwardMs;
            ContactSheet.Render(tiles);
            if (i < 3) continue;
            forward.Add(forwardMs);
            toPixels.Add(pixelsMs);
            encode.Add(watch.Elapsed.TotalMilliseconds - forwardMs - pixelsMs);
        }

        var one = await LoadAsync(http, path, count, 1, requests);
        var many = await LoadAsync(http, path, count, clients, requests);
        var forwardMedian = Median(forward);
        output.WriteLine($"generator: {generator.Config.Resolution}x{generator.Config.Resolution}, latent {generator.Config.LatentDim}, {generator.ParameterBytes / 1e6:0.0} MB of weights; {count} images per request");
        output.WriteLine($"bare forward pass (in process): median {forwardMedian:0.0} ms; to bytes {Median(toPixels):0.0} ms; grid + PNG encoding {Median(encode):0.0} ms");
        output.WriteLine($"1 client:  p50 {one.P50:0.0} ms, p99 {one.P99:0.0} ms, {one.ImagesPerSecond:0} images/s; p50 / bare forward = {one.P50 / forwardMedian:0.00} (the service's own forward pass: median {one.ServerForwardP50:0.0} ms)");
        output.WriteLine($"{clients} clients: p50 {many.P50:0.0} ms, p99 {many.P99:0.0} ms, {many.ImagesPerSecond:0} images/s ({many.ImagesPerSecond / one.ImagesPerSecond:P0} of 1 client); p99 / 1-client p50 = {many.P99 / one.P50:0.0}; errors {many.Errors}");
        JsonSummary.Write(output, new
        {
            count,
            requestsPerClient = requests,
            clients,
            coldFirstRequestMs = Math.Round(coldMs, 1),
            forwardMedianMs = Math.Round(forwardMedian, 1),
            toPixelsMedianMs = Math.Round(Median(toPixels), 1),
            encodeMedianMs = Math.Round(Median(encode), 1),
            oneClientP50Ms = Math.Round(one.P50, 1),
            oneClientP99Ms = Math.Round(one.P99, 1),
            oneClientImagesPerSecond = Math.Round(one.ImagesPerSecond, 1),
            p50OverForward = Math.Round(one.P50 / forwardMedian, 3),
            serviceForwardMedianMs = Math.Round(one.ServerForwardP50, 1),
            manyClientsP50Ms = Math.Round(many.P50, 1),
            manyClientsP99Ms = Math.Round(many.P99, 1),
            manyClientsImagesPerSecond = Math.Round(many.ImagesPerSecond, 1),
            throughputRatio = Math.Round(many.ImagesPerSecond / one.ImagesPerSecond, 3),
            p99OverOneClientP50 = Math.Round(many.P99 / one.P50, 2),
            errors = one.Errors + many.Errors,
        });
        return one.Errors + many.Errors == 0 ? 0 : 1;
    }

    private sealed record LoadResult(double P50, double P99, double ImagesPerSecond, int Errors, double ServerForwardP50);

    /// <summary>Each of <paramref name="clients"/> clients sends <paramref name="requests"/> requests back to back (different seeds).</summary>
    private static async Task<LoadResult> LoadAsync(HttpClient http, string path, int count, int clients, int requests)
    {
        var latencies = new List<double>();
        var serverForward = new List<double>();
        var errors = 0;
        var wall = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            for (var i = 0; i < requests; i++)
            {
                var watch = Stopwatch.StartNew();
                try
                {
                    using var response = await PostAsync(http, path, count, seed: 10_000 * (client + 1) + i);
                    var forward = ServerTimingOf(response, "forward");
                    lock (latencies)
                    {
                        latencies.Add(watch.Elapsed.TotalMilliseconds);
                        if (forward is { } ms) serverForward.Add(ms);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        })));
        var seconds = wall.Elapsed.TotalSeconds;
        return new LoadResult(Percentile(latencies, 0.5), Percentile(latencies, 0.99), latencies.Count * count / seconds, errors, Percentile(serverForward, 0.5));
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, string path, int count, int seed)
    {
        var response = await http.PostAsJsonAsync(path, new { count, seed, format = "grid" });
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        await response.Content.LoadIntoBufferAsync(); // the whole body: the client's view of the latency
        return response;
    }

    private static async Task<Guid> TrainRunAsync(HttpClient http, string images, TextWriter error)
    {
        var datasetId = await ServiceClient.UploadDatasetAsync(http, images, "generation bench", maxImages: 48); // under the form's 64-value limit

        // The default preset's networks at 64x64; a few iterations are enough to time the generator.
        var config = new { iterations = 10, checkpointEvery = 10, sampleEvery = 0, evaluateEvery = 0 };
        var created = await http.PostAsJsonAsync("/api/runs", new { datasetId, name = "generation bench", config });
        if (!created.IsSuccessStatusCode) throw new UsageException($"POST /api/runs failed: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
        var runId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var watch = Stopwatch.StartNew();
        string status;
        do
        {
            await Task.Delay(200);
            status = (await http.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}")).GetProperty("status").GetString()!;
        } while (status is "queued" or "pending" or "running" && watch.Elapsed < TimeSpan.FromMinutes(10));
        if (status != "completed") throw new InvalidOperationException($"the bench run is {status}");
        error.WriteLine($"trained the bench run in {watch.Elapsed.TotalSeconds:0.0} s");
        return runId;
    }

    /// <summary>A duration from the Server-Timing header ("forward;dur=43.1, encode;dur=2.4").</summary>
    private static double? ServerTimingOf(HttpResponseMessage response, string name)
    {
        foreach (var entry in Header(response, "Server-Timing").Split(',', StringSplitOptions.TrimEntries))
        {
            var parts = entry.Split(";dur=");
            if (parts.Length == 2 && parts[0] == name && double.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var ms)) return ms;
        }
        return null;
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : "-";

    private static double Median(List<double> values) => Percentile(values, 0.5);

    private static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToList();
        return sorted[(int)Math.Min(sorted.Count - 1, Math.Round(p * (sorted.Count - 1)))];
    }
}
