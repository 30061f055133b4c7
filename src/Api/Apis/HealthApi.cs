using GanService.Api.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Prometheus;

namespace GanService.Api.Apis;

public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        var health = app.MapGroup("/health").WithTags("Operations").AllowAnonymous();
        health.MapGet("/live", Live)
            .WithSummary("Liveness: the process answers.")
            .WithExamples(response: new HealthResponse("Healthy", []));
        health.MapGet("/ready", ReadyAsync)
            .WithSummary("Readiness: the database and the blob storage can be reached.")
            .WithExamples(response: new HealthResponse("Healthy", [new("database", "Healthy", null), new("storage", "Healthy", null)]))
            .Produces<HealthResponse>(StatusCodes.Status503ServiceUnavailable);
        // Prometheus text format: request counts and durations per route, process and GC figures.
        app.MapMetrics("/metrics").WithTags("Operations").WithSummary("Prometheus metrics.").AllowAnonymous();
        return app;
    }

    public static Ok<HealthResponse> Live() => TypedResults.Ok(new HealthResponse("Healthy", []));

    public static async Task<Results<Ok<HealthResponse>, JsonHttpResult<HealthResponse>>> ReadyAsync(
        HealthCheckService health, CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(check => check.Tags.Contains("ready"), cancellationToken);
        var response = new HealthResponse(report.Status.ToString(),
            report.Entries.Select(entry => new HealthCheckEntry(entry.Key, entry.Value.Status.ToString(), entry.Value.Description)).ToList());
        return report.Status == HealthStatus.Healthy
            ? TypedResults.Ok(response)
            : TypedResults.Json(response, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}

public sealed record HealthResponse(string Status, IReadOnlyList<HealthCheckEntry> Checks);

public sealed record HealthCheckEntry(string Name, string Status, string? Description);
