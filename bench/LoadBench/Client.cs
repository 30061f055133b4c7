using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;

namespace GanService.LoadBench;

/// <summary>
/// One person with the studio open on a run: its event stream stays open (reopened if it ends), and between pauses of
/// up to --think-ms it lists runs, reads a run, looks at a sample grid or the dataset's preview, or generates images.
/// A 429 is honoured: the client waits Retry-After before its next action.
/// </summary>
internal sealed class Client(HttpClient http, Options options, User user, Stats stats, int seed)
{
    private static readonly (string Kind, int Weight)[] Mix =
    [
        ("runs", 25),     // GET /api/runs
        ("run", 25),      // GET /api/runs/{id}
        ("sample", 25),   // GET /api/runs/{id}/samples/{iteration} (PNG)
        ("preview", 10),  // GET /api/datasets/{id}/preview (PNG contact sheet, prepared on request)
        ("generate", 15), // POST /api/runs/{id}/generate (PNG grid of 16)
    ];

    private readonly Random _random = new(seed);

    public static HttpClient CreateHttp(Options options) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = int.MaxValue, // each client and each stream its own connection, as browsers would be
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
    })
    {
        BaseAddress = options.Api,
        Timeout = Timeout.InfiniteTimeSpan, // each request has its own (--timeout-s); streams have none
    };

    public async Task RunAsync(CancellationToken stop)
    {
        var events = Task.Run(() => FollowAsync(stop));
        // Spread the start over the first think time, as people do not all click at once.
        await PauseAsync(TimeSpan.FromMilliseconds(_random.Next(options.ThinkMs + 1)), stop);
        while (!stop.IsCancellationRequested)
        {
            var retryAfter = await ActAsync(Pick(), stop);
            await PauseAsync(retryAfter ?? TimeSpan.FromMilliseconds(_random.Next(options.ThinkMs + 1)), stop);
        }
        await events;
    }

    private string Pick()
    {
        var roll = _random.Next(Mix.Sum(m => m.Weight));
        foreach (var (kind, weight) in Mix)
            if ((roll -= weight) < 0) return kind;
        return Mix[^1].Kind;
    }

    private HttpRequestMessage RequestFor(string kind) => kind switch
    {
        "runs" => Seed.Request(HttpMethod.Get, "/api/runs", user.ApiKey),
        "run" => Seed.Request(HttpMethod.Get, $"/api/runs/{user.FinishedRunId}", user.ApiKey),
        "sample" => Seed.Request(HttpMethod.Get, $"/api/runs/{user.FinishedRunId}/samples/{user.SampleIterations[_random.Next(user.SampleIterations.Length)]}", user.ApiKey),
        "preview" => Seed.Request(HttpMethod.Get, $"/api/datasets/{user.DatasetId}/preview?resolution=32&count=16", user.ApiKey),
        "generate" => Seed.Request(HttpMethod.Post, $"/api/runs/{user.FinishedRunId}/generate", user.ApiKey,
            JsonContent.Create(new { count = 16, seed = _random.Next(1_000_000) })),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>One request, timed to its last byte; returns the Retry-After of a 429.</summary>
    private async Task<TimeSpan?> ActAsync(string kind, CancellationToken stop)
    {
        using var request = RequestFor(kind);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(options.TimeoutSeconds));
        var watch = Stopwatch.StartNew();
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
            var status = (int)response.StatusCode;
            TimeSpan? retryAfter = null;
            var hasRetryAfter = true;
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                retryAfter = response.Headers.RetryAfter?.Delta;
                hasRetryAfter = retryAfter is not null;
            }
            stats.Record(kind, status, watch.Elapsed, hasRetryAfter);
            if (status >= 500) stats.Note($"{kind}: {status} {await response.Content.ReadAsStringAsync(CancellationToken.None)}");
            return retryAfter;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            stats.RecordFailure(kind, watch.Elapsed, timedOut: true);
        }
        catch (HttpRequestException exception)
        {
            stats.RecordFailure(kind, watch.Elapsed, timedOut: false);
            stats.Note($"{kind}: {exception.Message}");
        }
        return null;
    }

    /// <summary>The run's event stream, held open until the end; the time to its headers is what the table shows.</summary>
    private async Task FollowAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var watch = Stopwatch.StartNew();
            using var request = Seed.Request(HttpMethod.Get, $"/api/runs/{user.FollowedRunId}/events", user.ApiKey);
            using var connect = CancellationTokenSource.CreateLinkedTokenSource(stop);
            connect.CancelAfter(TimeSpan.FromSeconds(options.TimeoutSeconds));
            try
            {
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, connect.Token);
                stats.Record("events", (int)response.StatusCode, watch.Elapsed, hasRetryAfter: true);
                if (!response.IsSuccessStatusCode) { await PauseAsync(TimeSpan.FromSeconds(1), stop); continue; }
                connect.CancelAfter(Timeout.InfiniteTimeSpan);
                await using var body = await response.Content.ReadAsStreamAsync(stop);
                using var reader = new StreamReader(body);
                while (await reader.ReadLineAsync(stop) is { } line)
                    if (line.StartsWith("event: ", StringComparison.Ordinal)) stats.Event(line[7..]);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (OperationCanceledException)
            {
                stats.RecordFailure("events", watch.Elapsed, timedOut: true);
            }
            catch (Exception exception) when (exception is HttpRequestException or IOException)
            {
                stats.RecordFailure("events", watch.Elapsed, timedOut: false);
                stats.Note($"events: {exception.Message}");
            }
            // The stream ended (the run ended, or the server closed it): reconnect as the studio does.
            await PauseAsync(TimeSpan.FromSeconds(1), stop);
        }
    }

    private static async Task PauseAsync(TimeSpan pause, CancellationToken stop)
    {
        try { await Task.Delay(pause, stop); } catch (OperationCanceledException) { }
    }
}
