using GanService.Domain.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GanService.Domain.Storage;

/// <summary>Section <c>Cleanup</c>: the orphan-blob pass.</summary>
public sealed record BlobCleanupSettings
{
    public const string Section = "Cleanup";

    /// <summary>Minutes between passes; one also runs at start-up.</summary>
    public double IntervalMinutes { get; init; } = 60;

    /// <summary>
    /// A folder of blobs is only an orphan once its newest blob is this old. An upload in flight (in any API process)
    /// writes a blob per image, so its folder stays younger than this for as long as it runs.
    /// </summary>
    public double OrphanAgeMinutes { get; init; } = 60;

    public static IEnumerable<string?> Problems(BlobCleanupSettings settings) =>
    [
        ValidatedSettings.Positive(Section, nameof(IntervalMinutes), settings.IntervalMinutes),
        ValidatedSettings.Positive(Section, nameof(OrphanAgeMinutes), settings.OrphanAgeMinutes),
    ];
}

/// <summary>
/// Removes the blobs that no committed row owns: an upload killed between its first blob and its commit (kill -9, a
/// power cut: the request's own clean-up never ran), a dataset or run whose rows were deleted before its blobs were.
/// <para>
/// Blobs live in folders of their owner, <c>datasets/{datasetId}/</c> and <c>runs/{runId}/</c>; a folder is removed only
/// when (1) its id parses, (2) no Dataset or Run row has that id, and (3) its newest blob is older than
/// <see cref="BlobCleanupSettings.OrphanAgeMinutes"/> by the store's clock. (3) is what keeps an upload or a fork in flight
/// in another process safe: it has no row yet, but it is still writing. (2) is checked after the listing, so an upload
/// that commits meanwhile is seen committed. Anything else in the store is never touched.
/// </para>
/// </summary>
public sealed class OrphanBlobCleanup(GanDbContext db, IBlobStore blobs, BlobCleanupSettings settings, TimeProvider time, ILogger<OrphanBlobCleanup> logger)
{
    /// <summary>The owners' folders, each with the table that commits it.</summary>
    private static readonly string[] Roots = ["datasets/", "runs/"];

    /// <summary>Runs one pass; returns the folders it removed.</summary>
    public async Task<IReadOnlyList<string>> RunAsync(CancellationToken cancellationToken = default)
    {
        var cutoff = time.GetUtcNow() - TimeSpan.FromMinutes(settings.OrphanAgeMinutes);
        var removed = new List<string>();
        foreach (var root in Roots)
        {
            var folders = (await blobs.ListInfoAsync(root, cancellationToken))
                .Select(blob => (Folder: FolderOf(root, blob.Key), blob.LastModified))
                .Where(blob => blob.Folder is not null)
                .GroupBy(blob => blob.Folder!, StringComparer.Ordinal)
                .Select(folder => (Folder: folder.Key, Id: Guid.Parse(folder.Key[root.Length..^1]), Newest: folder.Max(blob => blob.LastModified)))
                .Where(folder => folder.Newest < cutoff)
                .ToList();
            foreach (var chunk in folders.Chunk(500))
            {
                var ids = chunk.Select(folder => folder.Id).ToList();
                var owned = root == "datasets/"
                    ? await db.Datasets.AsNoTracking().Where(d => ids.Contains(d.Id)).Select(d => d.Id).ToListAsync(cancellationToken)
                    : await db.Runs.AsNoTracking().Where(r => ids.Contains(r.Id)).Select(r => r.Id).ToListAsync(cancellationToken);
                foreach (var orphan in chunk.Where(folder => !owned.Contains(folder.Id)))
                {
                    await blobs.DeletePrefixAsync(orphan.Folder, cancellationToken);
                    removed.Add(orphan.Folder);
                }
            }
        }
        if (removed.Count > 0)
            logger.LogInformation("Removed {Count} orphan blob folder(s) no dataset or run owns: {Folders}", removed.Count, string.Join(", ", removed.Take(20)));
        return removed;
    }

    /// <summary>"datasets/{id}/" of "datasets/{id}/images/x.png"; null when the id is not a Guid (not a folder of ours).</summary>
    private static string? FolderOf(string root, string key)
    {
        var slash = key.IndexOf('/', root.Length);
        return slash > root.Length && Guid.TryParse(key.AsSpan(root.Length, slash - root.Length), out _) ? key[..(slash + 1)] : null;
    }
}

/// <summary>Runs <see cref="OrphanBlobCleanup"/> at start-up and then every <see cref="BlobCleanupSettings.IntervalMinutes"/>.</summary>
public sealed class OrphanBlobCleanupService(IServiceScopeFactory scopes, BlobCleanupSettings settings, TimeProvider time, ILogger<OrphanBlobCleanupService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(settings.IntervalMinutes), time);
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<OrphanBlobCleanup>().RunAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // The store or the database is away: the next pass tries again, and nothing was deleted on a guess.
                logger.LogWarning(exception, "The orphan blob cleanup failed; it runs again in {Minutes} min", settings.IntervalMinutes);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}

public static class OrphanBlobCleanupExtensions
{
    /// <summary>The cleanup pass and its hosted service (the API registers it; any number of API processes may run it).</summary>
    public static IServiceCollection AddOrphanBlobCleanup(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedSettings<BlobCleanupSettings>(configuration, BlobCleanupSettings.Section, BlobCleanupSettings.Problems);
        services.TryAddSingleton(TimeProvider.System);
        services.AddScoped<OrphanBlobCleanup>();
        services.AddHostedService<OrphanBlobCleanupService>();
        return services;
    }
}
