using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanService.Domain.Gan.Training;
using GanService.Domain.Storage;
using Microsoft.EntityFrameworkCore;

namespace GanService.Domain.Data;

/// <summary>
/// All of a user's data as one zip (GET /api/me/export): <c>account.json</c> (the account and its keys, never a
/// secret), <c>datasets/{id}/dataset.json</c> with each stored original under <c>images/</c>, <c>runs/{id}/run.json</c>
/// with <c>metrics.csv</c>, the sample grids under <c>samples/</c> and the kept checkpoints under <c>checkpoints/</c>
/// (each readable by <c>GanService.Worker generate</c> and <c>train --resume</c>), and <c>sweeps.json</c>.
/// PNGs and checkpoints are stored, not deflated again.
/// </summary>
public static class AccountArchive
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static async Task WriteAsync(GanDbContext db, IBlobStore blobs, Guid userId, Stream output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(blobs);
        var user = await db.Users.AsNoTracking().Include(u => u.ApiKeys).SingleAsync(u => u.Id == userId, cancellationToken);
        using var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);

        WriteJson(zip, "account.json", new
        {
            user.Id, user.Name, user.IsAdmin, user.MaxConcurrentRuns, user.StorageQuotaBytes, user.CreatedAt, ExportedAt = DateTime.UtcNow,
            Keys = user.ApiKeys.Select(k => new { k.Id, k.Name, k.Prefix, k.Scopes, k.CreatedAt, k.LastUsedAt, k.RevokedAt }),
        });

        foreach (var dataset in await db.Datasets.AsNoTracking().Where(d => d.OwnerId == userId).OrderBy(d => d.CreatedAt).ToListAsync(cancellationToken))
        {
            var images = await db.DatasetImages.AsNoTracking().Where(i => i.DatasetId == dataset.Id).OrderBy(i => i.Ordinal).ToListAsync(cancellationToken);
            var folder = $"datasets/{dataset.Id}/";
            WriteJson(zip, folder + "dataset.json", new
            {
                dataset.Id, dataset.Name, dataset.CreatedAt,
                Images = images.Select(i => new { i.Id, i.FileName, File = ImageEntry(i), i.Width, i.Height, i.Tags, i.Label, i.Excluded, i.PixelHash }),
            });
            foreach (var image in images)
                await CopyBlobAsync(zip, blobs, image.BlobKey, folder + ImageEntry(image), cancellationToken);
        }

        foreach (var run in await db.Runs.AsNoTracking().Where(r => r.OwnerId == userId).OrderBy(r => r.CreatedAt).ToListAsync(cancellationToken))
        {
            var folder = $"runs/{run.Id}/";
            WriteJson(zip, folder + "run.json", new
            {
                run.Id, run.Name, run.DatasetId, run.Preset, run.Status, run.Iteration, run.TotalIterations, run.Error,
                Best = run.BestIteration is { } best ? new { Iteration = best, Swd = run.BestSwd, Diversity = run.BestDiversity } : null,
                run.ParentRunId, run.ParentIteration, run.CreatedAt, run.StartedAt, run.FinishedAt,
                Config = JsonNode.Parse(run.ConfigJson), Diagnostics = JsonNode.Parse(run.DiagnosticsJson),
            });
            var metrics = await db.RunMetrics.AsNoTracking().Where(m => m.RunId == run.Id).OrderBy(m => m.Iteration).ThenBy(m => m.Id).ToListAsync(cancellationToken);
            WriteText(zip, folder + "metrics.csv", MetricsCsv.Write(metrics.Select(MetricRow.From).ToList()));
            foreach (var sample in await db.RunSamples.AsNoTracking().Where(s => s.RunId == run.Id).OrderBy(s => s.Iteration).ToListAsync(cancellationToken))
                await CopyBlobAsync(zip, blobs, sample.BlobKey, $"{folder}samples/{sample.Iteration:D8}.png", cancellationToken);
            foreach (var checkpoint in await db.RunCheckpoints.AsNoTracking().Where(c => c.RunId == run.Id).OrderBy(c => c.Iteration).ToListAsync(cancellationToken))
                await CopyBlobAsync(zip, blobs, checkpoint.BlobKey, $"{folder}checkpoints/{checkpoint.Iteration:D8}.ckpt", cancellationToken);
        }

        var sweeps = await db.Sweeps.AsNoTracking().Where(s => s.OwnerId == userId).OrderBy(s => s.CreatedAt).ToListAsync(cancellationToken);
        WriteJson(zip, "sweeps.json", sweeps.Select(s => new
        {
            s.Id, s.Name, s.DatasetId, s.Preset, s.CreatedAt, Config = JsonNode.Parse(s.ConfigJson), Grid = JsonNode.Parse(s.GridJson),
        }));
    }

    /// <summary>An image's name in the archive: its place in the set and its file name, made safe as one path part.</summary>
    private static string ImageEntry(DatasetImage image)
    {
        var stem = Path.GetFileNameWithoutExtension(image.FileName.Replace('/', '_').Replace('\\', '_'));
        var safe = new string(stem.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray());
        return $"images/{image.Ordinal:D5}-{(safe.Length == 0 ? "image" : safe[..Math.Min(safe.Length, 80)])}.png";
    }

    private static void WriteJson(ZipArchive zip, string name, object value) => WriteText(zip, name, JsonSerializer.Serialize(value, Json));

    private static void WriteText(ZipArchive zip, string name, string text)
    {
        using var writer = new StreamWriter(zip.CreateEntry(name, CompressionLevel.Optimal).Open());
        writer.Write(text);
    }

    private static async Task CopyBlobAsync(ZipArchive zip, IBlobStore blobs, string key, string name, CancellationToken cancellationToken)
    {
        await using var blob = await blobs.OpenReadAsync(key, cancellationToken);
        if (blob is null) return; // deleted meanwhile (retention): the archive holds what is there
        await using var entry = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
        await blob.CopyToAsync(entry, cancellationToken);
    }
}
