using System.Security.Claims;
using GanService.Api.Auth;
using GanService.Api.Infrastructure;
using GanService.Domain.Data;
using GanService.Domain.Imaging;
using GanService.Domain.Imaging.Datasets;
using GanService.Domain.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace GanService.Api.Apis;

/// <summary>What a dataset holds before you train on it: the report, its sheet, and dropping the near-duplicates.</summary>
public static class DatasetReportApi
{
    public static IEndpointRouteBuilder MapDatasetReportApi(this IEndpointRouteBuilder app)
    {
        var datasets = app.MapGroup("/api/datasets").WithTags("Datasets").RequireAuthorization();
        datasets.MapGet("/{id:guid}/report", GetReportAsync)
            .WithSummary("A dataset's report: counts, sizes and dates; the clean-up's confidence per image (worst first); near-duplicate groups; outliers; a recommended resolution.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithExamples(response: ExampleReport);
        datasets.MapGet("/{id:guid}/report.png", GetReportSheetAsync)
            .WithSummary("The report as a PNG sheet: each usable image cleaned, worst clean-up first, with its confidence and concerns.")
            .ProducesImage("image/png").ProducesProblem(StatusCodes.Status404NotFound);
        datasets.MapPost("/{id:guid}/exclude-duplicates", ExcludeDuplicatesAsync)
            .WithSummary("Leaves out the extras of every near-duplicate group (the first uploaded of each group stays); nothing is deleted.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithExamples(response: new ExcludedDuplicatesResponse([SecondPhoto], [[FirstPhoto, SecondPhoto]]));
        return app;
    }

    private static readonly Guid FirstPhoto = Guid.Parse("0c4f3a9e-8d1b-4e55-9a51-7b2c1d3e4f50");
    private static readonly Guid SecondPhoto = Guid.Parse("7a1e2b3c-4d5e-4f60-8a71-9b0c1d2e3f41");

    private static readonly DatasetReportResult ExampleReport = new(
        176, 2, 188, 201, 240, 3_466_980, new DateTime(2018, 4, 2, 10, 15, 0), new DateTime(2019, 6, 28, 21, 3, 0), 170,
        [
            new ReportImage(SecondPhoto, "sketches.zip/cat (2).jpg", 0.31, ["dark edges: the table may have been taken for the drawing"], "c3a1f0e29b8d4471", false, 18.2),
            new ReportImage(FirstPhoto, "sketches.zip/cat.jpg", 1, [], "c3a1f0e29b8d4473", false, 17.9),
        ],
        [[FirstPhoto, SecondPhoto]], [], 64, "at 64 px the drawings keep 0.91 of their detail (SSIM against 256 px); a smaller size would lose strokes.");

    public static async Task<Results<Ok<DatasetReportResult>, ProblemHttpResult>> GetReportAsync(
        Guid id, ClaimsPrincipal caller, GanDbContext db, IBlobStore blobs, CancellationToken cancellationToken)
    {
        var sources = await SourcesAsync(db, blobs, caller.UserId(), id, cancellationToken);
        if (sources is null) return Problems.NotFound("dataset");
        return TypedResults.Ok(DatasetReport.Build(sources, PerceptualHash.ComparableCleanUp));
    }

    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetReportSheetAsync(
        Guid id, ClaimsPrincipal caller, GanDbContext db, IBlobStore blobs, CancellationToken cancellationToken)
    {
        var sources = await SourcesAsync(db, blobs, caller.UserId(), id, cancellationToken);
        if (sources is null) return Problems.NotFound("dataset");
        var sheet = DatasetReport.RenderSheet(sources, PerceptualHash.ComparableCleanUp);
        if (sheet is null) return Problems.NotFound("usable image in this dataset");
        return TypedResults.File(sheet, "image/png");
    }

    public static async Task<Results<Ok<ExcludedDuplicatesResponse>, ProblemHttpResult>> ExcludeDuplicatesAsync(
        Guid id, ClaimsPrincipal caller, GanDbContext db, CancellationToken cancellationToken)
    {
        var userId = caller.UserId();
        if (!await db.Datasets.AnyAsync(d => d.Id == id && d.OwnerId == userId, cancellationToken)) return Problems.NotFound("dataset");
        var images = await db.DatasetImages.Where(i => i.DatasetId == id && !i.Excluded).ToListAsync(cancellationToken);
        var groups = NearDuplicates.OfImages(images);
        var extras = groups.SelectMany(g => g.Skip(1)).ToList();
        foreach (var image in extras) image.Excluded = true;
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(new ExcludedDuplicatesResponse(
            [.. extras.Select(i => i.Id)], [.. groups.Select(g => (IReadOnlyList<Guid>)[.. g.Select(i => i.Id)])]));
    }

    /// <summary>The caller's dataset's images with their stored originals decoded (grey), or null when it is not theirs.</summary>
    private static async Task<List<ReportSource>?> SourcesAsync(GanDbContext db, IBlobStore blobs, Guid userId, Guid id, CancellationToken cancellationToken)
    {
        if (!await db.Datasets.AnyAsync(d => d.Id == id && d.OwnerId == userId, cancellationToken)) return null;
        var images = await db.DatasetImages.AsNoTracking().Where(i => i.DatasetId == id).OrderBy(i => i.Ordinal).ToListAsync(cancellationToken);
        var sources = new List<ReportSource>(images.Count);
        foreach (var image in images)
        {
            var png = await blobs.ReadAllBytesAsync(image.BlobKey, cancellationToken)
                ?? throw new InvalidOperationException($"image {image.BlobKey} is missing from storage");
            sources.Add(new ReportSource(image.Id, image.FileName, image.Width, image.Height, image.SizeBytes, image.TakenAt, image.Excluded, PixelImage.Decode(png, 1)));
        }
        return sources;
    }
}

/// <summary>The images now left out (the extras), and the groups they came from (first = kept).</summary>
public sealed record ExcludedDuplicatesResponse(IReadOnlyList<Guid> Excluded, IReadOnlyList<IReadOnlyList<Guid>> Groups);
