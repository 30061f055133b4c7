using GanService.Domain.Imaging;
using GanService.Domain.Imaging.Simulation;

namespace GanService.Worker.Cli;

/// <summary>
/// Photos with their clean originals, stem by stem, in memory: a folder pair or a set our simulator made, measured alike
/// by <see cref="CleanupPairs"/>.
/// </summary>
/// <param name="Name">Where the photos come from (a folder, or e.g. <c>sim-flat/things200</c>).</param>
/// <param name="CleanName">Where the clean originals come from.</param>
/// <param name="FileLabel">The name's file-name form, for the sheets written per set.</param>
/// <param name="OnTable">
/// The photos show the sheet on a table: the clean-up crops them around the drawing, so the originals are compared
/// cropped around theirs, and the pixel-aligned "vs clean" comparison means nothing.
/// </param>
/// <param name="SheetCorners">Where the sheet truly lies in each photo, when known (our simulator's table photos).</param>
internal sealed record CleanupSet(
    string Name,
    string CleanName,
    string FileLabel,
    IReadOnlyList<PixelImage> Photos,
    IReadOnlyList<PixelImage> Cleans,
    IReadOnlyList<string> Stems,
    bool OnTable,
    IReadOnlyList<IReadOnlyList<(double X, double Y)>>? SheetCorners = null)
{
    /// <summary>Every photo in <paramref name="photoDirectory"/> that has a clean original of the same stem.</summary>
    public static CleanupSet FromFolders(string photoDirectory, string cleanDirectory, bool onTable)
    {
        var cleanByStem = ImageFolder.ByStem(cleanDirectory);
        var paths = ImageFolder.List(photoDirectory).Where(p => cleanByStem.ContainsKey(Path.GetFileNameWithoutExtension(p))).ToList();
        if (paths.Count == 0)
        {
            throw new UsageException($"no photo in '{photoDirectory}' has a clean original with the same stem in '{cleanDirectory}'");
        }

        var stems = paths.ConvertAll(p => Path.GetFileNameWithoutExtension(p));
        return new CleanupSet(
            photoDirectory,
            cleanDirectory,
            Path.GetFileName(photoDirectory),
            paths.ConvertAll(BenchCleanupCommand.Load),
            stems.ConvertAll(stem => BenchCleanupCommand.Load(cleanByStem[stem])),
            stems,
            onTable);
    }

    /// <summary>
    /// Our simulator's two sets of one clean folder: <c>sim-flat/NAME</c> (pixel-aligned with the originals) and
    /// <c>sim-table/NAME</c> (tilted, in perspective, on a table).
    /// </summary>
    public static (CleanupSet Flat, CleanupSet OnTable) Simulated(string cleanDirectory, int seed, DamageKinds without = DamageKinds.None)
    {
        var simulated = SimulatedFolder.Simulate(cleanDirectory, seed, without);
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(cleanDirectory));
        var cleans = simulated.ConvertAll(s => s.Clean);
        var stems = simulated.ConvertAll(s => s.Stem);
        return (
            new CleanupSet($"sim-flat/{name}", cleanDirectory, $"sim-flat-{name}", simulated.ConvertAll(s => s.Photo.Flat), cleans, stems, OnTable: false),
            new CleanupSet($"sim-table/{name}", cleanDirectory, $"sim-table-{name}", simulated.ConvertAll(s => s.Photo.OnTable), cleans, stems, OnTable: true, simulated.ConvertAll(s => s.Photo.Corners)));
    }
}

/// <summary>Every image of a folder of clean drawings through <see cref="PhotoSimulator"/>, each with its own stable draw.</summary>
internal static class SimulatedFolder
{
    public static List<(string Stem, PixelImage Clean, SimulatedPhoto Photo)> Simulate(string cleanDirectory, int seed, DamageKinds without = DamageKinds.None)
    {
        var paths = ImageFolder.List(cleanDirectory);
        if (paths.Count == 0)
        {
            throw new UsageException($"no PNG, JPEG or WebP files in '{cleanDirectory}' to simulate photos of");
        }

        var results = new (string Stem, PixelImage Clean, SimulatedPhoto Photo)[paths.Count];
        Parallel.For(0, paths.Count, i =>
        {
            var stem = Path.GetFileNameWithoutExtension(paths[i]);
            var clean = BenchCleanupCommand.Load(paths[i]);
            results[i] = (stem, clean, PhotoSimulator.Simulate(clean, PhotoSimulator.ForImage(seed, stem).Without(without)));
        });
        return [.. results];
    }
}
