using System.Security.Claims;
using GanService.Api.Auth;
using GanService.Api.Infrastructure;
using GanService.Domain.Data;
using GanService.Domain.Imaging;
using GanService.Domain.Imaging.Datasets;
using GanService.Domain.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace GanService.Api.Apis;

public static class DatasetsApi
{
    private const int MaxPreviewCount = 256;
    private const int MaxTags = 32;
    private const int MaxTagLength = 64;
    private const int MaxLabelLength = 100;

    public static IEndpointRouteBuilder MapDatasetsApi(this IEndpointRouteBuilder app)
    {
        var datasets = app.MapGroup("/api/datasets").WithTags("Datasets").RequireAuthorization();

        datasets.MapPost("/", CreateDatasetAsync)
            .WithSummary("Uploads a dataset: a name and one or more PNG, JPEG or WebP images and/or zips of them.")
            .WithDescription("Every file is checked from its bytes; unusable files are listed in `rejected` with the reason, " +
                             "and the usable ones are kept as PNG without metadata. Exact duplicates are kept once.")
            .Accepts<DatasetUploadForm>("multipart/form-data")
            .Produces<DatasetCreatedResponse>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status507InsufficientStorage) // the server's disk is full; nothing was stored
            .WithExamples(response: new DatasetCreatedResponse(ExampleId, "pencil sketches", 175, 1, 5_242_880,
                [new RejectedFileResponse("sketches.zip/notes.txt", "Not a PNG, JPEG or WebP image (the content was checked, not the name).")],
                [new DuplicateResponse("sketches.zip/cat (1).jpg", "sketches.zip/cat.jpg")]), responseStatus: StatusCodes.Status201Created);
        datasets.MapGet("/", ListDatasetsAsync).WithSummary("Lists your datasets.")
            .WithExamples(response: new[] { ExampleDataset });
        datasets.MapGet("/{id:guid}", GetDatasetAsync).WithSummary("One of your datasets.")
            .WithExamples(response: ExampleDataset);
        datasets.MapDelete("/{id:guid}", DeleteDatasetAsync).WithSummary("Deletes a dataset and its images.");

        datasets.MapGet("/{id:guid}/images", ListImagesAsync).WithSummary("The images of a dataset, in upload order.")
            .WithExamples(response: new[] { ExampleImage });
        datasets.MapPatch("/{id:guid}/images/{imageId:guid}", PatchImageAsync)
            .WithSummary("Sets an image's tags, label (\"\" clears it) or whether training leaves it out.")
            .WithExamples(request: new PatchImageRequest(["face", "pencil"], "cat", Excluded: false), response: ExampleImage);
        datasets.MapGet("/{id:guid}/images/{imageId:guid}", GetOriginalAsync)
            .WithSummary("The stored original, as PNG.")
            .ProducesImage("image/png");
        datasets.MapGet("/{id:guid}/images/{imageId:guid}/prepared", GetPreparedAsync)
            .WithSummary("One image as training will see it: cleaned up, square, resolution × resolution PNG.")
            .ProducesImage("image/png")
            .ProducesValidationProblem();
        datasets.MapGet("/{id:guid}/preview", GetPreviewAsync)
            .WithSummary("A contact sheet (PNG) of the first `count` images as training will see them.")
            .ProducesImage("image/png")
            .ProducesValidationProblem();
        return app;
    }

    private static readonly Guid ExampleId = Guid.Parse("3b0c7d7e-5a43-4c8f-9f0e-2d1f1b6a9c20");

    private static readonly DatasetResponse ExampleDataset =
        new(ExampleId, "pencil sketches", 176, 170, 1, 3_466_980, new DateTime(2026, 11, 28, 9, 30, 0, DateTimeKind.Utc));

    private static readonly ImageResponse ExampleImage =
        new(Guid.Parse("0c4f3a9e-8d1b-4e55-9a51-7b2c1d3e4f50"), "sketches.zip/cat.jpg", 200, 200, ["face", "pencil"], "cat", false);

    public static async Task<Results<Created<DatasetCreatedResponse>, ProblemHttpResult>> CreateDatasetAsync(
        HttpRequest request, ClaimsPrincipal caller, GanDbContext db, IBlobStore blobs, ImageIngest ingest,
        UploadSettings uploads, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
            return Problems.Of(StatusCodes.Status415UnsupportedMediaType, "Send multipart/form-data with a 'name' field and one or more 'files'.");
        if (request.ContentLength > uploads.MaxRequestBytes)
            return Problems.Of(StatusCodes.Status413PayloadTooLarge, $"The upload is larger than the {uploads.MaxRequestMb} MB a request may carry; split it into several datasets.");

        // Limits passed while reading become 413 in ProblemExceptionHandler.
        var form = await request.ReadFormAsync(cancellationToken);
        var name = form["name"].ToString().Trim();
        if (name.Length is 0 or > 200)
            return Problems.BadRequest("name: a dataset name of 1 to 200 characters is required.");
        if (form.Files.Count == 0)
            return Problems.BadRequest("files: at least one image or zip is required.");

        var userId = caller.UserId();
        var quota = await db.Users.Where(user => user.Id == userId).Select(user => user.StorageQuotaBytes).SingleAsync(cancellationToken);
        var used = (await StorageUsage.OfUserAsync(db, userId, cancellationToken)).TotalBytes;

        var dataset = new Dataset { OwnerId = userId, Name = name };
        var blobPrefix = $"datasets/{dataset.Id}/";
        var rejected = new List<RejectedFileResponse>();
        var duplicates = new List<DuplicateResponse>();
        var firstWithPixels = new Dictionary<string, string>();
        var committed = false;
        try
        {
            foreach (var file in form.Files)
            {
                var content = await ReadAllAsync(file, cancellationToken);
                foreach (var outcome in ingest.Read(file.FileName, content))
                {
                    if (outcome is RejectedFile refusal)
                    {
                        rejected.Add(new RejectedFileResponse(refusal.FileName, refusal.Reason));
                        continue;
                    }
                    var image = (IngestedImage)outcome;
                    if (firstWithPixels.TryGetValue(image.PixelHash, out var original))
                    {
                        duplicates.Add(new DuplicateResponse(image.FileName, original));
                        rejected.Add(new RejectedFileResponse(image.FileName, $"Exact duplicate of '{original}'; kept once."));
                        continue;
                    }
                    if (used + dataset.StorageBytes + image.Png.Length > quota)
                        return Problems.Of(StatusCodes.Status413PayloadTooLarge,
                            $"Storage quota exceeded: you use {Megabytes(used)} of {Megabytes(quota)}, and this upload needs more than " +
                            $"{Megabytes(quota - used)}. Delete a dataset or a run (kept checkpoints count too), or ask an admin for a larger quota. Nothing was stored.");
                    firstWithPixels[image.PixelHash] = image.FileName;

                    var stored = new DatasetImage
                    {
                        Ordinal = dataset.Images.Count,
                        FileName = image.FileName,
                        Width = image.Width,
                        Height = image.Height,
                        IsGrayscale = image.IsGrayscale,
                        SizeBytes = image.Png.Length,
                        PixelHash = image.PixelHash,
                        PerceptualHash = Domain.Imaging.Datasets.PerceptualHash.Format(Domain.Imaging.Datasets.PerceptualHash.OfStored(image.Png)),
                        TakenAt = image.TakenAt,
                        BlobKey = "",
                    };
                    stored.BlobKey = $"{blobPrefix}images/{stored.Id:N}.png";
                    await blobs.PutAsync(stored.BlobKey, image.Png, cancellationToken);
                    dataset.Images.Add(stored);
                    dataset.StorageBytes += image.Png.Length;
                }
            }

            if (dataset.Images.Count == 0)
                return Problems.BadRequest("No usable image was found in the upload; see 'rejected' for the reason of each file.",
                    new Dictionary<string, object?> { ["rejected"] = rejected });

            dataset.Channels = dataset.Images.All(image => image.IsGrayscale) ? 1 : 3;
            // Checked again with this user's other uploads held back: they may have stored since the first check.
            using (await StorageQuotaGate.EnterAsync(userId, cancellationToken))
            {
                var usedNow = (await StorageUsage.OfUserAsync(db, userId, cancellationToken)).TotalBytes;
                if (usedNow + dataset.StorageBytes > quota)
                    return Problems.Of(StatusCodes.Status413PayloadTooLarge,
                        $"Storage quota exceeded: you use {Megabytes(usedNow)} of {Megabytes(quota)} (with your other uploads of the moment), and this " +
                        $"upload needs {Megabytes(dataset.StorageBytes)}. Delete a dataset or a run, or ask an admin for a larger quota. Nothing was stored.");
                db.Datasets.Add(dataset);
                await db.SaveChangesAsync(cancellationToken);
                committed = true;
            }
        }
        finally
        {
            // A refused or failed upload leaves nothing behind; earlier datasets are never touched.
            if (!committed) await blobs.DeletePrefixAsync(blobPrefix, CancellationToken.None);
        }

        return TypedResults.Created($"/api/datasets/{dataset.Id}", new DatasetCreatedResponse(
            dataset.Id, dataset.Name, dataset.Images.Count, dataset.Channels, dataset.StorageBytes, rejected, duplicates,
            NearDuplicates.OfImages(dataset.Images).Select(g => (IReadOnlyList<string>)[.. g.Select(i => i.FileName)]).ToList()));
    }

    public static async Task<Ok<List<DatasetResponse>>> ListDatasetsAsync(ClaimsPrincipal caller, GanDbContext db, CancellationToken cancellationToken)
    {
        var userId = caller.UserId();
        var datasets = await db.Datasets.Where(d => d.OwnerId == userId).OrderBy(d => d.CreatedAt)
            .Select(ToDatasetResponse).ToListAsync(cancellationToken);
        return TypedResults.Ok(datasets);
    }

    public static async Task<Results<Ok<DatasetResponse>, ProblemHttpResult>> GetDatasetAsync(
        Guid id, ClaimsPrincipal caller, GanDbContext db, CancellationToken cancellationToken)
    {
        var userId = caller.UserId();
        var dataset = await db.Datasets.Where(d => d.Id == id && d.OwnerId == userId).Select(ToDatasetResponse).SingleOrDefaultAsync(cancellationToken);
        return dataset is null ? Problems.NotFound("dataset") : TypedResults.Ok(dataset);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteDatasetAsync(
        Guid id, ClaimsPrincipal caller, GanDbContext db, IBlobStore blobs, CancellationToken cancellationToken)
    {
        var userId = caller.UserId();
        if (!await db.Datasets.AnyAsync(d => d.Id == id && d.OwnerId == userId, cancellationToken))
            return Problems.NotFound("dataset");
        var runs = await db.Runs.CountAsync(r => r.DatasetId == id, cancellationToken);
        if (runs > 0)
            return Problems.Of(StatusCodes.Status409Conflict, $"The dataset has {runs} run(s); delete them first (DELETE /api/runs/{{id}}). Nothing was deleted.");
        var deleted = await db.Datasets.Where(d => d.Id == id && d.OwnerId == userId).ExecuteDeleteAsync(cancellationToken);
        if (deleted == 0) return Problems.NotFound("dataset");
        // The rows are gone first, so no request can reach a half-deleted dataset.
        await blobs.DeletePrefixAsync($"datasets/{id}/", CancellationToken.None);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<List<ImageResponse>>, ProblemHttpResult>> ListImagesAsync(
        Guid id, ClaimsPrincipal caller, GanDbContext db, CancellationToken cancellationToken)
    {
        var userId = caller.UserId();
        if (!await db.Datasets.AnyAsync(d => d.Id == id && d.OwnerId == userId, cancellationToken)) return Problems.NotFound("dataset");
        var images = await db.DatasetImages.Where(image => image.DatasetId == id).OrderBy(image => image.Ordinal)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(images.Select(ToResponse).ToList());
    }

    public static async Task<Results<Ok<ImageResponse>, ProblemHttpResult>> PatchImageAsync(
        Guid id, Guid imageId, PatchImageRequest patch, ClaimsPrincipal caller, GanDbContext db, CancellationToken cancellationToken)
    {
        var image = await FindImageAsync(db, caller.UserId(), id, imageId, cancellationToken);
        if (image is null) return Problems.NotFound("image");

        var errors = new Dictionary<string, string[]>();
        List<string>? tags = null;
        if (patch.Tags is not null)
        {
            tags = patch.Tags.Select(tag => tag?.Trim() ?? "").Distinct(StringComparer.Ordinal).ToList();
            if (tags.Count > MaxTags) errors["tags"] = [$"tags: at most {MaxTags} tags per image."];
            else if (tags.Any(tag => tag.Length is 0 or > MaxTagLength || tag.Any(char.IsControl)))
                errors["tags"] = [$"tags: each tag must have 1 to {MaxTagLength} printable characters."];
        }
        var label = patch.Label?.Trim();
        if (label is { Length: > MaxLabelLength } || label?.Any(char.IsControl) == true)
            errors["label"] = [$"label: at most {MaxLabelLength} printable characters (\"\" clears it)."];
        if (errors.Count > 0) return ValidationProblem(errors);

        if (tags is not null) image.Tags = tags;
        if (label is not null) image.Label = label.Length == 0 ? null : label;
        if (patch.Excluded is { } excluded) image.Excluded = excluded;
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(ToResponse(image));
    }

    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetOriginalAsync(
        Guid id, Guid imageId, ClaimsPrincipal caller, GanDbContext db, IBlobStore blobs, CancellationToken cancellationToken)
    {
        var image = await FindImageAsync(db, caller.UserId(), id, imageId, cancellationToken);
        var png = image is null ? null : await blobs.ReadAllBytesAsync(image.BlobKey, cancellationToken);
        return png is null ? Problems.NotFound("image") : TypedResults.File(png, "image/png");
    }

    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetPreparedAsync(
        Guid id, Guid imageId, [AsParameters] PreprocessQuery query, ClaimsPrincipal caller, GanDbContext db, IBlobStore blobs,
        CancellationToken cancellationToken)
    {
        if (!query.TryParse(out var resolution, out var options, out var errors)) return ValidationProblem(errors);
        var image = await FindImageAsync(db, caller.UserId(), id, imageId, cancellationToken);
        var png = image is null ? null : await blobs.ReadAllBytesAsync(image.BlobKey, cancellationToken);
        if (png is null) return Problems.NotFound("image");

        var channels = await db.Datasets.Where(d => d.Id == id).Select(d => d.Channels).SingleAsync(cancellationToken);
        var prepared = ImagePreprocessor.Prepare(PixelImage.Decode(png, channels), resolution, options);
        return TypedResults.File(prepared.EncodePng(), "image/png");
    }

    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetPreviewAsync(
        Guid id, [AsParameters] PreprocessQuery query, [FromQuery(Name = "count")] string? count,
        ClaimsPrincipal caller, GanDbContext db, IBlobStore blobs, CancellationToken cancellationToken)
    {
        query.TryParse(out var resolution, out var options, out var errors);
        var tiles = PreprocessQuery.ParseInt("count", count, 64, 1, MaxPreviewCount, errors);
        if (errors.Count > 0) return ValidationProblem(errors);

        var userId = caller.UserId();
        var dataset = await db.Datasets.Where(d => d.Id == id && d.OwnerId == userId)
            .Select(d => new { d.Channels }).SingleOrDefaultAsync(cancellationToken);
        if (dataset is null) return Problems.NotFound("dataset");

        var keys = await db.DatasetImages.Where(image => image.DatasetId == id && !image.Excluded)
            .OrderBy(image => image.Ordinal).Take(tiles).Select(image => image.BlobKey).ToListAsync(cancellationToken);
        if (keys.Count == 0) return Problems.BadRequest("The dataset has no included images to preview.");

        var sources = new PixelImage[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            var png = await blobs.ReadAllBytesAsync(keys[i], cancellationToken)
                ?? throw new InvalidOperationException($"Blob '{keys[i]}' of dataset {id} is missing.");
            sources[i] = PixelImage.Decode(png, dataset.Channels);
        }
        var prepared = ImagePreprocessor.PrepareAll(sources, resolution, options);
        return TypedResults.File(ContactSheet.Render(prepared), "image/png");
    }

    private static Task<DatasetImage?> FindImageAsync(GanDbContext db, Guid userId, Guid datasetId, Guid imageId, CancellationToken cancellationToken) =>
        db.DatasetImages.SingleOrDefaultAsync(
            image => image.Id == imageId && image.DatasetId == datasetId && image.Dataset!.OwnerId == userId, cancellationToken);

    private static ProblemHttpResult ValidationProblem(Dictionary<string, string[]> errors) =>
        Problems.BadRequest(string.Join(" ", errors.Values.SelectMany(messages => messages)),
            new Dictionary<string, object?> { ["errors"] = errors });

    private static async Task<byte[]> ReadAllAsync(IFormFile file, CancellationToken cancellationToken)
    {
        await using var stream = file.OpenReadStream();
        var buffer = new byte[file.Length];
        await stream.ReadExactlyAsync(buffer, cancellationToken);
        return buffer;
    }

    private static string Megabytes(long bytes) => $"{bytes / 1048576.0:0.#} MB";

    private static readonly System.Linq.Expressions.Expression<Func<Dataset, DatasetResponse>> ToDatasetResponse =
        d => new DatasetResponse(d.Id, d.Name, d.Images.Count, d.Images.Count(image => !image.Excluded), d.Channels, d.StorageBytes, d.CreatedAt);

    private static ImageResponse ToResponse(DatasetImage image) =>
        new(image.Id, image.FileName, image.Width, image.Height, image.Tags, image.Label, image.Excluded, image.TakenAt, image.PerceptualHash);
}

/// The multipart form of POST /api/datasets, for the OpenAPI document.
public sealed class DatasetUploadForm
{
    public required string Name { get; init; }
    public required IFormFileCollection Files { get; init; }
}

public sealed record DatasetCreatedResponse(Guid Id, string Name, int ImageCount, int Channels, long StorageBytes,
    IReadOnlyList<RejectedFileResponse> Rejected, IReadOnlyList<DuplicateResponse> Duplicates,
    IReadOnlyList<IReadOnlyList<string>>? NearDuplicates = null);

public sealed record RejectedFileResponse(string FileName, string Reason);

public sealed record DuplicateResponse(string FileName, string DuplicateOf);

public sealed record DatasetResponse(Guid Id, string Name, int ImageCount, int IncludedCount, int Channels, long StorageBytes, DateTime CreatedAt);

public sealed record ImageResponse(Guid Id, string FileName, int Width, int Height, IReadOnlyList<string> Tags, string? Label, bool Excluded,
    DateTime? TakenAt = null, string? PerceptualHash = null);

public sealed record PatchImageRequest(List<string?>? Tags, string? Label, bool? Excluded);
