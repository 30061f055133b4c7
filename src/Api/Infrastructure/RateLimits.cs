using System.Globalization;
using System.Threading.RateLimiting;
using GanService.Api.Auth;
using GanService.Domain;
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

    public static IEnumerable<string?> Problems(RateLimits limits) =>
    [
        ValidatedSettings.Positive("RateLimits", nameof(PermitsPerSecond), limits.PermitsPerSecond),
        ValidatedSettings.AtLeast("RateLimits", nameof(Burst), limits.Burst, 1),
        ValidatedSettings.AtLeast("RateLimits", nameof(GenerationConcurrency), limits.GenerationConcurrency, 1),
        ValidatedSettings.AtLeast("RateLimits", nameof(GenerationQueue), limits.GenerationQueue, 0),
    ];
}

public static class RateLimitExtensions
{
    public static IServiceCollection AddGanServiceRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedSettings<RateLimits>(configuration, "RateLimits", RateLimits.Problems);
        services.AddRateLimiter(_ => { });
        // Configured once the settings are bound and checked, so a bad value is the start-up's one-line error.
        services.AddSingleton(provider => new GenerationAdmission(provider.GetRequiredService<RateLimits>()));
        services.AddOptions<RateLimiterOptions>().Configure<RateLimits, GenerationAdmission>((options, limits, admission) => Configure(options, limits, admission));
        return services;
    }

    private static void Configure(RateLimiterOptions options, RateLimits limits, GenerationAdmission admission)
    {
        // Refill in steps of a tenth of a second, so a burst spent is partly back soon; a rate under 10 a second refills
        // one token every 1/rate seconds instead (rounding it up to one per step would raise it).
        var period = limits.PermitsPerSecond >= 10 ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(1 / limits.PermitsPerSecond);
        var perPeriod = Math.Max(1, (int)Math.Round(limits.PermitsPerSecond * period.TotalSeconds));
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
            await WriteTooManyAsync(context, seconds, "Too many requests",
                $"This key sent more than {limits.Burst} requests at once or {limits.PermitsPerSecond:0.#} a second for a while; try again in {seconds} s.");
        };
    }

    /// <summary>The one 429 of the limiters: ProblemDetails with Retry-After in whole seconds.</summary>
    internal static Task WriteTooManyAsync(HttpContext context, int seconds, string title, string detail)
    {
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = StatusCodes.Status429TooManyRequests, Title = title, Detail = detail },
        }).AsTask();
    }
}
