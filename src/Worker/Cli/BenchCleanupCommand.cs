using GanService.Domain.Imaging;
using GanService.Domain.Imaging.Simulation;

namespace GanService.Worker.Cli;

/// <summary>
/// <c>bench-cleanup</c>: how well and how fast <see cref="ImagePreprocessor"/> cleans phone photos of drawings,
/// measured on the shared symbola176 and things200 sets (photos, tilted on a table or flat, with their clean originals)
/// and on photos of the same drawings made by our own simulator (<see cref="Domain.Imaging.Simulation.PhotoSimulator"/>).
/// </summary>
internal sealed class BenchCleanupCommand : ICommand
{
    private const int TimedBatch = 200;

    /// <summary>Tilted photos on a table (marked <c>:table</c>), then the pixel-aligned flat ones, each with its clean originals.</summary>
    private const string DefaultPairs =
        "things200-phone:things200:table,symbola176-phone:symbola176:table,things200-phone-flat:things200,symbola176-phone-flat:symbola176";

    /// <summary>Clean sets our own simulator makes photos of (damage wider than the shared sets').</summary>
    private const string DefaultSimulated = "things200,symbola176";

    /// <summary>Width of the outer frame whose brightness tells whether the table border is gone.</summary>
    private const int FrameWidth = 3;

    public string Name => "bench-cleanup";

    public string Summary => "measure clean-up quality (SSIM, table border) and speed on the shared data sets";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        OptionSpec.Value("photos", "DIR", "photos pixel-aligned with --clean (default ../shared/datasets/symbola176-phone-flat)"),
        OptionSpec.Value("clean", "DIR", "clean originals, same stems (default ../shared/datasets/symbola176)"),
        OptionSpec.Value("table-photos", "DIR", "photos with a table around the sheet (default ../shared/datasets/symbola176-phone)"),
        OptionSpec.Value("pairs", "LIST", $"PHOTOS:CLEAN[:table] folder pairs (:table for photos of a sheet on a table), both cleaned and compared, comma-separated (default {DefaultPairs}, under ../shared/datasets)"),
        OptionSpec.Value("resolution", "N", "output side in pixels (default 64)"),
        OptionSpec.Value("repeat", "N", "timing runs; the median is reported (default 7)"),
        OptionSpec.Value("worst", "N", "list the N worst held-out photos of each pair (default 5)"),
        OptionSpec.Value("simulated", "LIST", $"clean folders to simulate photos of with our simulator, comma-separated, measured as sim-flat/NAME and sim-table/NAME (default {DefaultSimulated}, under ../shared/datasets; none to skip)"),
        OptionSpec.Value("seed", "N", "seed of the simulated photos' damage (default 1)"),
        OptionSpec.Value("without", "LIST", "take these kinds of damage out of the simulated photos, to see what each costs: shadows, light, blur, grain, jpeg (comma-separated)"),
        OptionSpec.Value("sheets", "DIR", "write, per set, a contact sheet of its 16 worst tuning photos (clean | unprocessed | cleaned)"),
        OptionSpec.Value("worst-sheet", "DIR", "write, per set, a contact sheet of its worst held-out photos (see --worst), one row each"),
        OptionSpec.Switch("quality-only", "skip the table-border and timing measurements"),
    ];

    public int Run(CommandArguments arguments, TextWriter output, TextWriter error)
    {
        var photosDirectory = BenchSupport.DatasetDirectory(arguments, "photos", "symbola176-phone-flat");
        var cleanDirectory = BenchSupport.DatasetDirectory(arguments, "clean", "symbola176");
        var resolution = arguments.Integer("resolution", 64, 11, 1024);
        var repeat = arguments.Integer("repeat", 7, 1, 100);

        // Quality: photos against their clean originals, both at the training resolution.
        var cleanByStem = ImageFolder.ByStem(cleanDirectory);
        var pairs = ImageFolder.List(photosDirectory)
            .Where(path => cleanByStem.ContainsKey(Path.GetFileNameWithoutExtension(path)))
            .Select(path => (Photo: Load(path), Clean: Load(cleanByStem[Path.GetFileNameWithoutExtension(path)])))
            .ToList();
        if (pairs.Count == 0)
        {
            throw new UsageException($"no photo in '{photosDirectory}' has a clean original with the same stem in '{cleanDirectory}'");
        }

        var withoutCrop = PreprocessOptions.Default with { AutoCrop = false };
        var references = ImagePreprocessor.PrepareAll(pairs.ConvertAll(p => p.Clean), resolution, PreprocessOptions.None);
        var unprocessed = ImagePreprocessor.PrepareAll(pairs.ConvertAll(p => p.Photo), resolution, PreprocessOptions.None);
        var cleaned = ImagePreprocessor.PrepareAll(pairs.ConvertAll(p => p.Photo), resolution, withoutCrop);
        var ssimUnprocessed = Enumerable.Range(0, pairs.Count).Select(i => Ssim.Mean(unprocessed[i], references[i])).ToList();
        var ssimCleaned = Enumerable.Range(0, pairs.Count).Select(i => Ssim.Mean(cleaned[i], references[i])).ToList();
        output.WriteLine($"SSIM at {resolution}x{resolution} vs clean, {pairs.Count} photos from {photosDirectory}");
        output.WriteLine($"  unprocessed             mean {ssimUnprocessed.Average():0.0000}  worst {ssimUnprocessed.Min():0.0000}");
        output.WriteLine($"  cleaned (auto-crop off) mean {ssimCleaned.Average():0.0000}  worst {ssimCleaned.Min():0.0000}");

        var pairsSsim = CleanupPairs.Measure(arguments, Pairs(arguments).Concat(SimulatedSets(arguments)), resolution, output);
        if (arguments.Switch("quality-only"))
        {
            JsonSummary.Write(output, new { resolution, photos = pairs.Count, ssimCleaned = Math.Round(ssimCleaned.Average(), 4), pairs = pairsSsim });
            return 0;
        }

        // Table border: brightness of the outer frame, with and without clean-up (auto-crop on).
        var tableDirectory = BenchSupport.DatasetDirectory(arguments, "table-photos", "symbola176-phone");
        var tableBytes = ImageFolder.List(tableDirectory).Select(File.ReadAllBytes).ToList();
        if (tableBytes.Count == 0)
        {
            throw new UsageException($"--table-photos: no images in '{tableDirectory}'");
        }

        var tablePhotos = tableBytes.ConvertAll(bytes => PixelImage.Decode(bytes, 1));
        var framesBefore = ImagePreprocessor.PrepareAll(tablePhotos, resolution, PreprocessOptions.None).Select(FrameMean).ToList();
        var framesAfter = ImagePreprocessor.PrepareAll(tablePhotos, resolution, PreprocessOptions.Default).Select(FrameMean).ToList();
        output.WriteLine($"Outer {FrameWidth}-pixel frame brightness (255 = white), {tablePhotos.Count} photos from {tableDirectory}");
        output.WriteLine($"  unprocessed             mean {framesBefore.Average():0.0}  darkest {framesBefore.Min():0.0}");
        output.WriteLine($"  cleaned                 mean {framesAfter.Average():0.0}  darkest {framesAfter.Min():0.0}");

        // Speed: a batch of phone photos (cycled up to 200) with the default clean-up.
        var batchBytes = Enumerable.Range(0, TimedBatch).Select(i => tableBytes[i % tableBytes.Count]).ToList();
        var batch = batchBytes.ConvertAll(bytes => PixelImage.Decode(bytes, 1));
        var prepareMs = BenchSupport.MedianMilliseconds(repeat, () => ImagePreprocessor.PrepareAll(batch, resolution, PreprocessOptions.Default));
        var decodeAndPrepareMs = BenchSupport.MedianMilliseconds(repeat, () =>
        {
            var decoded = new PixelImage[batchBytes.Count];
            Parallel.For(0, decoded.Length, i => decoded[i] = PixelImage.Decode(batchBytes[i], 1));
            ImagePreprocessor.PrepareAll(decoded, resolution, PreprocessOptions.Default);
        });
        output.WriteLine($"Time for {TimedBatch} photos to {resolution}x{resolution}, defaults, median of {repeat} ({Environment.ProcessorCount} cores)");
        output.WriteLine($"  prepare                 {prepareMs:0.0} ms");
        output.WriteLine($"  decode + prepare        {decodeAndPrepareMs:0.0} ms");

        JsonSummary.Write(output, new
        {
            resolution,
            photos = pairs.Count,
            ssimUnprocessed = Math.Round(ssimUnprocessed.Average(), 4),
            ssimCleaned = Math.Round(ssimCleaned.Average(), 4),
            ssimCleanedWorst = Math.Round(ssimCleaned.Min(), 4),
            tablePhotos = tablePhotos.Count,
            borderBefore = Math.Round(framesBefore.Average(), 1),
            borderAfter = Math.Round(framesAfter.Average(), 1),
            borderAfterDarkest = Math.Round(framesAfter.Min(), 1),
            pairs = pairsSsim,
            batch = TimedBatch,
            prepareMs = Math.Round(prepareMs, 1),
            decodeAndPrepareMs = Math.Round(decodeAndPrepareMs, 1),
            cores = Environment.ProcessorCount,
        });
        return 0;
    }

    /// <summary>The --pairs folders, each loaded only when its turn to be measured comes.</summary>
    private static IEnumerable<CleanupSet> Pairs(CommandArguments arguments)
    {
        var list = arguments.Text("pairs") ?? DefaultPairs;
        foreach (var pair in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = pair.Split(':');
            if (parts.Length is < 2 or > 3 || (parts.Length == 3 && parts[2] != "table"))
            {
                throw new UsageException($"--pairs: '{pair}' is not PHOTOS:CLEAN or PHOTOS:CLEAN:table");
            }

            yield return CleanupSet.FromFolders(Resolve(parts[0], "pairs"), Resolve(parts[1], "pairs"), onTable: parts.Length == 3);
        }
    }

    /// <summary>Our simulator's flat and table sets of each --simulated clean folder.</summary>
    private static IEnumerable<CleanupSet> SimulatedSets(CommandArguments arguments)
    {
        var list = arguments.Text("simulated") ?? DefaultSimulated;
        var seed = arguments.Integer("seed", 1, 0, int.MaxValue);
        var without = DamageLeftOut(arguments.Text("without"));
        if (list.Trim() == "none")
        {
            yield break;
        }

        foreach (var folder in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (flat, onTable) = CleanupSet.Simulated(Resolve(folder, "simulated"), seed, without);
            yield return flat;
            yield return onTable;
        }
    }

    /// <summary>The kinds named by --without (none when it is not given).</summary>
    private static DamageKinds DamageLeftOut(string? list)
    {
        var kinds = DamageKinds.None;
        foreach (var name in (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            kinds |= !char.IsAsciiDigit(name[0]) && Enum.TryParse<DamageKinds>(name, ignoreCase: true, out var kind) && kind != DamageKinds.None && Enum.IsDefined(kind)
                ? kind
                : throw new UsageException($"--without: '{name}' is not one of shadows, light, blur, grain, jpeg");
        }

        return kinds;
    }

    /// <summary>A folder as given, else under ../shared/datasets.</summary>
    private static string Resolve(string folder, string option) =>
        Directory.Exists(folder) ? folder : RepositoryPaths.SharedDataset(folder) is { } shared && Directory.Exists(shared)
            ? shared
            : throw new UsageException($"--{option}: no folder '{folder}' (nor under ../shared/datasets)");

    internal static PixelImage Load(string path) => PixelImage.Decode(File.ReadAllBytes(path), channels: 1);

    /// <summary>Mean gray level of the outermost <see cref="FrameWidth"/> pixels on all four sides of a gray image.</summary>
    private static double FrameMean(PixelImage gray)
    {
        long sum = 0, count = 0;
        for (var y = 0; y < gray.Height; y++)
        {
            for (var x = 0; x < gray.Width; x++)
            {
                if (x < FrameWidth || y < FrameWidth || x >= gray.Width - FrameWidth || y >= gray.Height - FrameWidth)
                {
                    sum += gray.Pixels[(y * gray.Width) + x];
                    count++;
                }
            }
        }

        return (double)sum / count;
    }
}
