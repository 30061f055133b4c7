using GanService.Domain.Imaging;

namespace GanService.Worker.Cli;

/// <summary>
/// The photo sets of <c>bench-cleanup</c> (PHOTOS:CLEAN folder pairs and our simulated sets), each split by the number
/// its stems start with into a tuning half (odd) and a held-out half (even), so a change tuned on one half can be
/// checked on photos it never saw.
/// </summary>
/// <remarks>
/// Three comparisons per photo, each also counting the photos it makes worse than leaving them unprocessed:
/// "vs clean" (crop off, the clean original just resized; only for pixel-aligned photos, not those on a table), "vs clean,
/// both cropped" (defaults on the photo, crop only on the original: how the original really looks, framed alike) and
/// "defaults on both" (the original cleaned too, as the earlier figures were measured).
/// </remarks>
internal static class CleanupPairs
{
    private static readonly PreprocessOptions CropOff = PreprocessOptions.Default with { AutoCrop = false };
    private static readonly PreprocessOptions CropOnly = PreprocessOptions.None with { AutoCrop = true };

    public static List<object> Measure(CommandArguments arguments, IEnumerable<CleanupSet> sets, int resolution, TextWriter output)
    {
        var worstCount = arguments.Integer("worst", 5, 0, 200);
        var sheets = arguments.Text("sheets");
        var worstSheets = arguments.Text("worst-sheet");
        var summaries = new List<object>();
        foreach (var set in sets)
        {
            var (photos, cleans, names) = (set.Photos, set.Cleans, set.Stems);
            var tuning = names.Select(IsTuning).ToList();

            // The comparisons share baselines and references: each (images, options) is prepared once.
            var prepared = new Dictionary<(bool Photos, PreprocessOptions Options), PixelImage[]>();
            PixelImage[] Prepare(bool ofPhotos, PreprocessOptions options)
            {
                if (!prepared.TryGetValue((ofPhotos, options), out var images))
                {
                    images = ImagePreprocessor.PrepareAll(ofPhotos ? photos : cleans, resolution, options);
                    prepared[(ofPhotos, options)] = images;
                }

                return images;
            }

            Comparison Compare(PreprocessOptions photoOptions, PreprocessOptions cleanOptions, PreprocessOptions baseline)
            {
                var reference = Prepare(ofPhotos: false, cleanOptions);
                var cleaned = Prepare(ofPhotos: true, photoOptions);
                var raw = Prepare(ofPhotos: true, baseline);
                var rawReference = Prepare(ofPhotos: false, baseline);
                return new Comparison(
                    Enumerable.Range(0, photos.Count).Select(i => Ssim.Mean(cleaned[i], reference[i])).ToArray(),
                    Enumerable.Range(0, photos.Count).Select(i => Ssim.Mean(raw[i], rawReference[i])).ToArray(),
                    reference,
                    raw,
                    cleaned);
            }

            // A photo on a table is cropped around its drawing, so its original is too (a scan keeps its frame).
            var cropOnly = CropOnly with { CropToDrawing = set.OnTable };
            var defaults = PreprocessOptions.Default with { CropToDrawing = set.OnTable };
            List<(string Label, Comparison Result)> comparisons =
            [
                .. set.OnTable ? [] : new[] { ("vs clean", Compare(CropOff, PreprocessOptions.None, PreprocessOptions.None)) },
                ("vs clean, both cropped", Compare(PreprocessOptions.Default, cropOnly, cropOnly)),
                ("defaults on both", Compare(PreprocessOptions.Default, defaults, cropOnly)),
            ];

            output.WriteLine($"SSIM at {resolution}x{resolution}, {photos.Count} photos from {set.Name} vs {set.CleanName} (tuning = odd stems, held-out = even)");
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

            if (set.SheetCorners is { } truth)
            {
                halves.AddRange(SheetOutlines.Measure(photos, truth, tuning, output));
            }

            var (primaryLabel, primary) = comparisons[0];
            var worstHeldOut = Enumerable.Range(0, photos.Count).Where(i => !tuning[i]).OrderBy(i => primary.Cleaned[i]).Take(worstCount).ToList();
            foreach (var i in worstHeldOut)
            {
                output.WriteLine($"    worst held-out ({primaryLabel}): {names[i]}  {primary.Cleaned[i]:0.0000} (unprocessed {primary.Unprocessed[i]:0.0000})");
            }

            if (worstSheets is not null && worstHeldOut.Count > 0)
            {
                // The held-out half judged, one row per photo, so the figures above come with what they look like.
                Directory.CreateDirectory(worstSheets);
                var tiles = worstHeldOut.SelectMany(i => new[] { primary.Reference[i], primary.Raw[i], primary.Prepared[i] }).ToList();
                var file = Path.Combine(worstSheets, $"{set.FileLabel}-worst-held-out.png");
                File.WriteAllBytes(file, ContactSheet.Render(tiles, columns: 3));
                output.WriteLine($"    {worstHeldOut.Count} worst held-out photos (rows: clean | unprocessed | cleaned) in {file}: {string.Join(", ", worstHeldOut.Select(i => names[i]))}");
            }

            if (sheets is not null)
            {
                // Only the tuning half is shown, so what is looked at while tuning stays apart from what is judged.
                Directory.CreateDirectory(sheets);
                foreach (var (label, result) in comparisons)
                {
                    var worst = Enumerable.Range(0, photos.Count).Where(i => tuning[i]).OrderBy(i => result.Cleaned[i]).Take(16).ToList();
                    var tiles = worst.SelectMany(i => new[] { result.Reference[i], result.Raw[i], result.Prepared[i] }).ToList();
                    var file = Path.Combine(sheets, $"{set.FileLabel}-{label.Replace(",", "").Replace(' ', '-')}.png");
                    File.WriteAllBytes(file, ContactSheet.Render(tiles, columns: 3));
                    output.WriteLine($"    {label}: 16 worst tuning photos (clean | unprocessed | cleaned) in {file}: {string.Join(", ", worst.Select(i => $"{names[i]} {result.Cleaned[i]:0.000}"))}");
                }
            }

            summaries.Add(new { photos = set.Name, clean = set.CleanName, count = photos.Count, halves });
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
