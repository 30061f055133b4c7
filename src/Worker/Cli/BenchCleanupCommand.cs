using GanService.Domain.Imaging;

namespace GanService.Worker.Cli;

/// <summary>
/// <c>bench-cleanup</c>: how well and how fast <see cref="ImagePreprocessor"/> cleans phone photos of drawings,
/// measured on the shared symbola176 and things200 sets (photos, tilted on a table or flat, with their clean originals).
/// </summary>
internal sealed class BenchCleanupCommand : ICommand
{
    private const int TimedBatch = 200;

    /// <summary>Tilted photos on a table, then the pixel-aligned flat ones, each with its clean originals.</summary>
    private const string DefaultPairs =
        "things200-phone:things200,symbola176-phone:symbola176,things200-phone-flat:things200,symbola176-phone-flat:symbola176";

    /// <summary>Width of the outer frame whose brightness tells whether the table border is gone.</summary>
    private const int FrameWidth = 3;

    public string Name => "bench-cleanup";

    public string Summary => "measure clean-up quality (SSIM, table border) and speed on the shared data sets";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        OptionSpec.Value("photos", "DIR", "photos pixel-aligned with --clean (default ../shared/datasets/symbola176-phone-flat)"),
        OptionSpec.Value("clean", "DIR", "clean originals, same stems (default ../shared/datasets/symbola176)"),
        OptionSpec.Value("table-photos", "DIR", "photos with a table around the sheet (default ../shared/datasets/symbola176-phone)"),
        OptionSpec.Value("pairs", "LIST", $"PHOTOS:CLEAN folder pairs, both cleaned with the defaults and compared, comma-separated (default {DefaultPairs}, under ../shared/datasets)"),
        OptionSpec.Value("resolution", "N", "output side in pixels (default 64)"),
        OptionSpec.Value("repeat", "N", "timing runs; the median is reported (default 7)"),
        OptionSpec.Value("worst", "N", "list the N worst held-out photos of each pair (default 5)"),
        OptionSpec.Value("sheets", "DIR", "write, per pair, a contact sheet of its worst photos (clean | unprocessed | cleaned)"),
        OptionSpec.Switch("quality-only", "skip the table-border and timing measurements"),
    ];

    public int Run(CommandArguments arguments, TextWriter output, TextWriter error)
    {
        var photosDirectory = BenchSupport.DatasetDirectory(arguments, "photos", "symbola176-phone-flat");
        var cleanDirectory = BenchSupport.DatasetDirectory(arguments, "clean", "symbola176");
        var tableDirectory = BenchSupport.DatasetDirectory(arguments, "table-photos", "symbola176-phone");
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

        var pairsSsim = CleanupPairs.Measure(arguments, Pairs(arguments), resolution, output);
        if (arguments.Switch("quality-only"))
        {
            JsonSummary.Write(output, new { resolution, photos = pairs.Count, ssimCleaned = Math.Round(ssimCleaned.Average(), 4), pairs = pairsSsim });
            return 0;
        }

        // Table border: brightness of the outer frame, with and without clean-up (auto-crop on).
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

    private static IEnumerable<(string Photos, string Clean)> Pairs(CommandArguments arguments)
    {
        var list = arguments.Text("pairs") ?? DefaultPairs;
        foreach (var pair in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = pair.Split(':');
            if (parts.Length != 2)
            {
                throw new UsageException($"--pairs: '{pair}' is not PHOTOS:CLEAN");
            }

            yield return (Resolve(parts[0]), Resolve(parts[1]));
        }

        static string Resolve(string folder) =>
            Directory.Exists(folder) ? folder : RepositoryPaths.SharedDataset(folder) is { } shared && Directory.Exists(shared)
                ? shared
                : throw new UsageException($"--pairs: no folder '{folder}' (nor under ../shared/datasets)");
    }

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

/// <summary>
/// The PHOTOS:CLEAN pairs of <c>bench-cleanup</c>, each split by the number its stems start with into a tuning half (odd)
/// and a held-out half (even), so a change tuned on one half can be checked on photos it never saw.
/// </summary>
/// <remarks>
/// Three comparisons per photo, each also counting the photos it makes worse than leaving them unprocessed:
/// "vs clean" (crop off, the clean original just resized; only meaningful where photos are pixel-aligned), "vs clean,
/// both cropped" (defaults on the photo, crop only on the original: how the original really looks, framed alike) and
/// "defaults on both" (the original cleaned too, as the earlier figures were measured).
/// </remarks>
internal static class CleanupPairs
{
    private static readonly PreprocessOptions CropOff = PreprocessOptions.Default with { AutoCrop = false };
    private static readonly PreprocessOptions CropOnly = PreprocessOptions.None with { AutoCrop = true };

    public static List<object> Measure(CommandArguments arguments, IEnumerable<(string Photos, string Clean)> folders, int resolution, TextWriter output)
    {
        var worstCount = arguments.Integer("worst", 5, 0, 200);
        var sheets = arguments.Text("sheets");
        var summaries = new List<object>();
        foreach (var (photoDirectory, cleanDirectory) in folders)
        {
            var cleanByStem = ImageFolder.ByStem(cleanDirectory);
            var stems = ImageFolder.List(photoDirectory).Where(p => cleanByStem.ContainsKey(Path.GetFileNameWithoutExtension(p))).ToList();
            if (stems.Count == 0)
            {
                throw new UsageException($"no photo in '{photoDirectory}' has a clean original with the same stem in '{cleanDirectory}'");
            }

            var photos = stems.ConvertAll(BenchCleanupCommand.Load);
            var cleans = stems.ConvertAll(p => BenchCleanupCommand.Load(cleanByStem[Path.GetFileNameWithoutExtension(p)]));
            var names = stems.ConvertAll(p => Path.GetFileNameWithoutExtension(p));
            var tuning = names.ConvertAll(IsTuning);

            Comparison Compare(PreprocessOptions photoOptions, PreprocessOptions cleanOptions, PreprocessOptions baseline)
            {
                var reference = ImagePreprocessor.PrepareAll(cleans, resolution, cleanOptions);
                var cleaned = ImagePreprocessor.PrepareAll(photos, resolution, photoOptions);
                var raw = ImagePreprocessor.PrepareAll(photos, resolution, baseline);
                var rawReference = ImagePreprocessor.PrepareAll(cleans, resolution, baseline);
                return new Comparison(
                    Enumerable.Range(0, photos.Count).Select(i => Ssim.Mean(cleaned[i], reference[i])).ToArray(),
                    Enumerable.Range(0, photos.Count).Select(i => Ssim.Mean(raw[i], rawReference[i])).ToArray(),
                    reference,
                    raw,
                    cleaned);
            }

            var comparisons = new (string Label, Comparison Result)[]
            {
                ("vs clean", Compare(CropOff, PreprocessOptions.None, PreprocessOptions.None)),
                ("vs clean, both cropped", Compare(PreprocessOptions.Default, CropOnly, CropOnly)),
                ("defaults on both", Compare(PreprocessOptions.Default, PreprocessOptions.Default, CropOnly)),
            };

            output.WriteLine($"SSIM at {resolution}x{resolution}, {photos.Count} photos from {photoDirectory} vs {cleanDirectory} (tuning = odd stems, held-out = even)");
            var halves = new List<object>();
            foreach (var (label, result) in comparisons)
            {
                foreach (var (half, keep) in new (string, Func<int, bool>)[] { ("all", _ => true), ("tuning", i => tuning[i]), ("held-out", i => !tuning[i]) })
                {
                    var chosen = Enumerable.Range(0, photos.Count).Where(keep).ToList();
                    if (chosen.Count == 0)
                    {
                        continue;
                    }

                    double mean = chosen.Average(i => result.Cleaned[i]), worst = chosen.Min(i => result.Cleaned[i]);
                    var rawMean = chosen.Average(i => result.Unprocessed[i]);
                    var worse = chosen.Count(i => result.Cleaned[i] < result.Unprocessed[i]);
                    output.WriteLine($"  {label,-23} {half,-8} ({chosen.Count,3})  mean {mean:0.0000}  worst {worst:0.0000}  worse than unprocessed {worse,3}  (unprocessed mean {rawMean:0.0000})");
                    halves.Add(new { comparison = label, half, count = chosen.Count, ssimMean = Math.Round(mean, 4), ssimWorst = Math.Round(worst, 4), worseThanUnprocessed = worse, unprocessedMean = Math.Round(rawMean, 4) });
                }
            }

            var primary = comparisons[0].Result;
            var worstHeldOut = Enumerable.Range(0, photos.Count).Where(i => !tuning[i]).OrderBy(i => primary.Cleaned[i]).Take(worstCount).ToList();
            foreach (var i in worstHeldOut)
            {
                output.WriteLine($"    worst held-out (vs clean): {names[i]}  {primary.Cleaned[i]:0.0000} (unprocessed {primary.Unprocessed[i]:0.0000})");
            }

            if (sheets is not null)
            {
                // Only the tuning half is shown, so what is looked at while tuning stays apart from what is judged.
                Directory.CreateDirectory(sheets);
                foreach (var (label, result) in comparisons)
                {
                    var worst = Enumerable.Range(0, photos.Count).Where(i => tuning[i]).OrderBy(i => result.Cleaned[i]).Take(16).ToList();
                    var tiles = worst.SelectMany(i => new[] { result.Reference[i], result.Raw[i], result.Prepared[i] }).ToList();
                    var file = Path.Combine(sheets, $"{Path.GetFileName(photoDirectory)}-{label.Replace(",", "").Replace(' ', '-')}.png");
                    File.WriteAllBytes(file, ContactSheet.Render(tiles));
                    output.WriteLine($"    {label}: 16 worst tuning photos (clean | unprocessed | cleaned) in {file}: {string.Join(", ", worst.Select(i => $"{names[i]} {result.Cleaned[i]:0.000}"))}");
                }
            }

            summaries.Add(new { photos = photoDirectory, clean = cleanDirectory, count = photos.Count, halves });
        }

        return summaries;
    }

    /// <summary>Odd leading number (e.g. "001_…") → tuning half; stems without one go by a fixed hash of the name.</summary>
    private static bool IsTuning(string stem)
    {
        var digits = new string(stem.TakeWhile(char.IsAsciiDigit).ToArray());
        if (digits.Length > 0 && int.TryParse(digits, out var number))
        {
            return number % 2 == 1;
        }

        var hash = 0u;
        foreach (var ch in stem)
        {
            hash = (hash * 31) + ch;
        }

        return hash % 2 == 1;
    }

    private sealed record Comparison(double[] Cleaned, double[] Unprocessed, PixelImage[] Reference, PixelImage[] Raw, PixelImage[] Prepared);
}
