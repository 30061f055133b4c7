using System.Security.Claims;
using GanService.Api.Auth;
using GanService.Api.Infrastructure;
using GanService.Domain.Charts;
using GanService.Domain.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace GanService.Api.Apis;

/// Charts of a run's history, drawn on request from the stored metrics (nothing is cached: a chart of a running run
/// would be stale at once, and a render takes tens of milliseconds).
public static class ChartsApi
{
    public static IEndpointRouteBuilder MapChartsApi(this IEndpointRouteBuilder app)
    {
        var runs = app.MapGroup("/api/runs").WithTags("Runs").RequireAuthorization();

        runs.MapGet("/{id:guid}/charts/losses.png", GetLossChartAsync)
            .WithSummary("A PNG chart of the run's history: losses, D outputs, SWD and diversity over iterations, diagnoses marked.")
            .WithDescription($"`width` and `height` in pixels, {RunChart.MinSize} to {RunChart.MaxSize} " +
                             $"(default {RunChart.DefaultWidth}×{RunChart.DefaultHeight}). A run that has logged nothing yet gets a chart saying so.")
            .ProducesImage("image/png")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    public static async Task<Results<FileContentHttpResult, ValidationProblem, ProblemHttpResult>> GetLossChartAsync(
        Guid id, int? width, int? height, ClaimsPrincipal caller, GanDbContext db, CancellationToken cancellationToken)
    {
        var run = await db.Runs.AsNoTracking().Where(r => r.Id == id && r.OwnerId == caller.UserId())
            .Select(r => new { r.Name, r.Status, r.Iteration, r.TotalIterations, r.DiagnosticsJson }).FirstOrDefaultAsync(cancellationToken);
        if (run is null) return Problems.NotFound("run");

        var errors = new Dictionary<string, string[]>();
        if (width is < RunChart.MinSize or > RunChart.MaxSize) errors["width"] = [$"{RunChart.MinSize} to {RunChart.MaxSize} pixels"];
        if (height is < RunChart.MinSize or > RunChart.MaxSize) errors["height"] = [$"{RunChart.MinSize} to {RunChart.MaxSize} pixels"];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        var points = await db.RunMetrics.AsNoTracking().Where(m => m.RunId == id).OrderBy(m => m.Iteration).ThenBy(m => m.Id)
            .Select(m => new RunChartPoint(m.Iteration, m.LossD, m.LossG, m.DReal, m.DFake, m.Swd, m.SwdRealFloor, m.Diversity, m.RealDiversity))
            .ToListAsync(cancellationToken);
        var diagnoses = RunsApi.Diagnoses(run.DiagnosticsJson).Select(d => new RunChartDiagnosis(d.Iteration, d.Code)).ToList();

        var title = $"{run.Name}: {run.Status}, iteration {run.Iteration:N0} of {run.TotalIterations:N0}";
        var png = RunChart.RenderPng(new RunChartInput(title, points, diagnoses),
            width ?? RunChart.DefaultWidth, height ?? RunChart.DefaultHeight);
        return TypedResults.File(png, "image/png");
    }
}
