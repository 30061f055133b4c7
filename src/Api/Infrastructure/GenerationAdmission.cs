using System.Diagnostics;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace GanService.Api.Infrastructure;

/// <summary>
/// Admission for the CPU-heavy image routes (generate, interpolate, project): at most
/// <see cref="RateLimits.GenerationConcurrency"/> in the process at once and <see cref="RateLimits.GenerationQueue"/>
/// waiting for one of them, across all keys (the cores are shared, not per key). Past that a request is answered at once:
/// 429 with Retry-After, the time the requests ahead of it should take, from how long admitted ones took lately. Without
/// it a burst of generate requests would wait in <see cref="Generation.GeneratorCache"/>'s forward gate for as long as
/// the burst is, holding connections and memory, while clients time out.
/// </summary>
public sealed class GenerationAdmission(RateLimits limits) : IRateLimiterPolicy<string>
{
    public const string PolicyName = "generation";

    private const double Smoothing = 0.2; // weight of the newest request in the moving average
    private ConcurrencyLimiter? _limiter;
    private double _averageSeconds = 1; // until one has been measured

    /// <summary>Permits free now (all of them when none has been asked for yet); a test waits on it instead of on time.</summary>
    public int AvailablePermits
    {
        get
        {
            try { return (int)(Volatile.Read(ref _limiter)?.GetStatistics()?.CurrentAvailablePermits ?? limits.GenerationConcurrency); }
            catch (ObjectDisposedException) { return limits.GenerationConcurrency; } // dropped for being idle: all free
        }
    }

    /// <summary>What to wait before trying again: the queue ahead and one request, shared by the permits; at least a second.</summary>
    public int RetryAfterSeconds =>
        Math.Max(1, (int)Math.Ceiling(Volatile.Read(ref _averageSeconds) * (limits.GenerationQueue + 1) / limits.GenerationConcurrency));

    public RateLimitPartition<string> GetPartition(HttpContext httpContext)
    {
        var started = Stopwatch.GetTimestamp();
        httpContext.Response.OnCompleted(() =>
        {
            // Only requests that were let in say how long one takes; a refusal is instant.
            if (httpContext.Response.StatusCode != StatusCodes.Status429TooManyRequests) Record(Stopwatch.GetElapsedTime(started));
            return Task.CompletedTask;
        });
        // One partition: the limiter factory runs again only if the rate limiter dropped an idle one.
        return RateLimitPartition.Get(PolicyName, _ => Create());
    }

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => async (rejected, _) =>
    {
        var context = rejected.HttpContext;
        var seconds = RetryAfterSeconds;
        await RateLimitExtensions.WriteTooManyAsync(context, seconds, "Generation is busy",
            $"Generation is busy: {limits.GenerationConcurrency} image requests are being served and {limits.GenerationQueue} wait, " +
            $"which is all this server takes at once; try again in {seconds} s.");
    };

    private ConcurrencyLimiter Create()
    {
        var limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = limits.GenerationConcurrency, QueueLimit = limits.GenerationQueue, QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        Volatile.Write(ref _limiter, limiter);
        return limiter;
    }

    private void Record(TimeSpan took)
    {
        double seen, next;
        do
        {
            seen = Volatile.Read(ref _averageSeconds);
            next = seen + Smoothing * (took.TotalSeconds - seen);
        } while (Interlocked.CompareExchange(ref _averageSeconds, next, seen) != seen);
    }
}
