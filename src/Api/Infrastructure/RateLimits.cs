using System.Globalization;
using System.Threading.RateLimiting;
using GanService.Api.Auth;
using Microsoft.AspNetCore.RateLimiting;

namespace GanService.Api.Infrastructure;

/// <summary>
/// Requests per API key (section <c>RateLimits</c>): a token bucket of <see cref="Burst"/> requests refilled at
/// <see cref="PermitsPerSecond"/>, ASP.NET Core's rate limiter partitioned by the key (or, before sign-in, by the client
/// address). Past it: 429 with Retry-After. The studio's files and the health probes are not counted.
/// The image routes are also admitted by <see cref="GenerationAdmission"/>, for the whole process.
/// </summary>
public sealed record RateLimits
{
    public double PermitsPerSecond { get; init; } = 20;
    public int Burst { get; init; } = 200;

    /// <summary>Generate, interpolate and project requests served at once: one per core (two at least, so one slow projection does not stop all generation).</summary>
    public int GenerationConcurrency { get; init; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>Image requests that may wait for one of those; the rest get 429 at once.</summary>
    public int GenerationQueue { get; init; } = Math.Max(2, Environment.ProcessorCount);

    public static RateLimits From(IConfiguration configuration)
    {
        var limits = configuration.GetSection("RateLimits").Get<RateLimits>() ?? new RateLimits();
        if (limits is not { PermitsPerSecond: > 0, Burst: >= 1 })
            throw new InvalidOperationException($"RateLimits: PermitsPerSecond ({limits.PermitsPerSecond}) must be above 0 and Burst ({limits.Burst}) at least 1.");
        return limits is { GenerationConcurrency: >= 1, GenerationQueue: >= 0 } ? limits
            : throw new InvalidOperationException($"RateLimits: GenerationConcurrency ({limits.GenerationConcurrency}) must be at least 1 and GenerationQueue ({limits.GenerationQueue}) at least 0.");
    }
}

public static class RateLimitExtensions
{
    public static IServiceCollection AddGanServiceRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var limits = RateLimits.From(configuration);
        // Refill in steps of a tenth of a second, so a burst spent is partly back soon; a rate under 10 a second refills
        // one token every 1/rate seconds instead (rounding it up to one per step would raise it).
        var period = limits.PermitsPerSecond >= 10 ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(1 / limits.PermitsPerSecond);
        var perPeriod = Math.Max(1, (int)Math.Round(limits.PermitsPerSecond * period.TotalSeconds));
        var admission = new GenerationAdmission(limits);
        services.AddSingleton(admission);
        services.AddRateLimiter(options =>
        {
            options.AddPolicy(GenerationAdmission.PolicyName, admission);
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                if (!context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
                    return RateLimitPartition.GetNoLimiter("unlimited");
                var partition = context.User.Identity?.IsAuthenticated == true
                    ? "key:" + context.User.FindFirst(ApiKeyAuthenticationHandler.KeyIdClaim)?.Value
                    : "address:" + context.Connection.RemoteIpAddress;
                return RateLimitPartition.GetTokenBucketLimiter(partition, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = limits.Burst, TokensPerPeriod = perPeriod, ReplenishmentPeriod = period, QueueLimit = 0, AutoReplenishment = true,
                });
            });
            options.OnRejected = async (rejected, cancellationToken) =>
            {
                var context = rejected.HttpContext;
                var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
                context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails =
                    {
                        Status = StatusCodes.Status429TooManyRequests, Title = "Too many requests",
                        Detail = $"This key sent more than {limits.Burst} requests at once or {limits.PermitsPerSecond:0.#} a second for a while; try again in {seconds} s.",
                    },
                });
            };
        });
        return services;
    }
}
