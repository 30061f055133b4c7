namespace GanService.Domain.Imaging.Datasets;

/// <summary>One image as the report sees it: what is stored, and its picture (grey).</summary>
public sealed record ReportSource(Guid Id, string FileName, int Width, int Height, long SizeBytes, DateTime? TakenAt, bool Excluded, PixelImage Picture);

public sealed record ReportImage(Guid Id, string FileName, double Confidence, IReadOnlyList<string> Concerns, string PerceptualHash, bool Outlier, double NearestDistance);

public sealed record DatasetReportResult(
    int Images, int Excluded, int MinSide, int MedianSide, int MaxSide, long TotalBytes,
    DateTime? TakenFrom, DateTime? TakenTo, int WithDate,
    IReadOnlyList<ReportImage> ByConfidence, IReadOnlyList<IReadOnlyList<Guid>> NearDuplicates, IReadOnlyList<Guid> Outliers,
    int RecommendedResolution, string ResolutionReason);

/// <summary>
/// What a user should know about a dataset before training on it: counts, sizes and dates; how sure the clean-up is
/// of each image (worst first); near-duplicate groups; outliers (far from every other image at 32 px); and the
/// resolution its drawings' detail calls for. Built from the stored originals, cleaned as training would.
/// </summary>
public static class DatasetReport
{
    /// <summary>Resolutions the recommendation picks from.</summary>
    private static readonly int[] Resolutions = [32, 64, 128, 256];

    /// <summary>A resolution keeps the drawings' detail when, brought back up to 256, they keep this SSIM on average.</summary>
    private const double DetailKept = 0.90;

    public static DatasetReportResult Build(IReadOnlyList<ReportSource> sources, PreprocessOptions options) =>
        Build(sources, options, out _);

    /// <summary>
    /// The report as a PNG sheet: each usable image as the report cleaned it, worst clean-up first, with its confidence
    /// and concerns. Null when no image is usable.
    /// </summary>
    public static byte[]? RenderSheet(IReadOnlyList<ReportSource> sources, PreprocessOptions options)
    {
        var report = Build(sources, options, out var cleaned);
        if (report.ByConfidence.Count == 0) return null;
        return ComparisonSheet.Render([.. report.ByConfidence.Select(image => new ComparisonEntry(
            cleaned[image.Id].EncodePng(), image.FileName,
            $"confidence {image.Confidence:0.00}" + (image.Concerns.Count == 0 ? "" : " · " + string.Join(" · ", image.Concerns))))]);
    }

    private static DatasetReportResult Build(IReadOnlyList<ReportSource> sources, PreprocessOptions options, out Dictionary<Guid, PixelImage> cleanedById)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var used = sources.Where(s => !s.Excluded).ToList();
        var cleaned = ImagePreprocessor.PrepareAll([.. used.Select(s => s.Picture)], 256, options);
        cleanedById = used.Select((s, i) => (s.Id, Image: cleaned[i])).ToDictionary(p => p.Id, p => p.Image);
        var hashes = cleaned.Select(PerceptualHash.Of).ToArray();
        var small = cleaned.Select(c => Luminance.Plane(Filters.Resampler.Resize(c, 32, 32))).ToArray();
        var nearest = NearestDistances(small);
        var outliers = OutlierFlags(nearest);

        var images = used.Select((s, i) =>
        {
            var (confidence, concerns) = CleanUpConfidence(cleaned[i]);
            if (outliers[i]) concerns = [.. concerns, "far from every other image"];
            return new ReportImage(s.Id, s.FileName, Math.Round(confidence, 3), concerns, PerceptualHash.Format(hashes[i]), outliers[i], Math.Round(nearest[i], 1));
        }).OrderBy(i => i.Confidence).ThenBy(i => i.FileName, StringComparer.Ordinal).ToList();
        var groups = NearDuplicates.Group(Enumerable.Range(0, used.Count).ToList(), i => hashes[i]).Select(g => (IReadOnlyList<Guid>)[.. g.Select(i => used[i].Id)]).ToList();
        var (resolution, reason) = Recommend(cleaned);
        var sides = sources.Select(s => Math.Min(s.Width, s.Height)).Order().ToArray();
        var dates = sources.Where(s => s.TakenAt is not null).Select(s => s.TakenAt!.Value).ToList();
        return new DatasetReportResult(
            sources.Count, sources.Count(s => s.Excluded),
            sides.FirstOrDefault(), sides.Length == 0 ? 0 : sides[sides.Length / 2], sides.LastOrDefault(), sources.Sum(s => s.SizeBytes),
            dates.Count == 0 ? null : dates.Min(), dates.Count == 0 ? null : dates.Max(), dates.Count,
            images, groups, [.. used.Where((_, i) => outliers[i]).Select(s => s.Id)], resolution, reason);
    }

    /// <summary>
    /// How sure the clean-up is that it found a drawing on paper, from the cleaned image itself: the frame should be
    /// paper (a dark frame means the table was taken for the drawing), some ink should be there (blank means the
    /// strokes were lost), and not most of it (a dark photo comes out as a dark blob). 1 = nothing suspicious.
    /// </summary>
    public static (double Confidence, IReadOnlyList<string> Concerns) CleanUpConfidence(PixelImage cleaned)
    {
        var grey = Luminance.Plane(cleaned);
        int w = cleaned.Width, h = cleaned.Height, band = Math.Max(1, w / 32);
        double frameSum = 0, frameCount = 0, ink = 0;
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
            {
                var v = grey[y * w + x];
                if (v < 128) ink++;
                if (x < band || y < band || x >= w - band || y >= h - band) { frameSum += v; frameCount++; }
            }
        var frame = frameSum / frameCount / 255;
        var inkShare = ink / (w * h);
        var concerns = new List<string>();
        var frameScore = Math.Clamp((frame - 0.55) / 0.35, 0, 1);
        if (frameScore < 1) concerns.Add("dark edges: the table may have been taken for the drawing");
        var blankScore = Math.Clamp(inkShare / 0.004, 0, 1);
        if (blankScore < 1) concerns.Add("almost blank: the strokes may have been lost");
        var darkScore = Math.Clamp((0.75 - inkShare) / 0.3, 0, 1);
        if (darkScore < 1) concerns.Add("mostly dark: the light may have been too low");
        return (Math.Min(frameScore, Math.Min(blankScore, darkScore)), concerns);
    }

    /// <summary>Each image's root-mean-square distance (0–255) at 32 px to its nearest other image.</summary>
    private static double[] NearestDistances(byte[][] small)
    {
        var nearest = new double[small.Length];
        Array.Fill(nearest, double.PositiveInfinity);
        for (var i = 0; i < small.Length; i++)
            for (var j = i + 1; j < small.Length; j++)
            {
                double sum = 0;
                for (var k = 0; k < small[i].Length; k++) { var d = small[i][k] - small[j][k]; sum += d * d; }
                var rms = Math.Sqrt(sum / small[i].Length);
                nearest[i] = Math.Min(nearest[i], rms);
                nearest[j] = Math.Min(nearest[j], rms);
            }
        return [.. nearest.Select(d => double.IsPositiveInfinity(d) ? 0 : d)];
    }

    /// <summary>Far from all others: a nearest distance above the median by more than three median absolute deviations.</summary>
    private static bool[] OutlierFlags(double[] nearest)
    {
        if (nearest.Length < 5) return new bool[nearest.Length];
        var median = Median(nearest);
        var spread = Math.Max(1, Median([.. nearest.Select(d => Math.Abs(d - median))]));
        return [.. nearest.Select(d => d > median + 3 * 1.4826 * spread)];
    }

    private static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>The smallest resolution that keeps the drawings' detail: down to it and back up to 256, SSIM ≥ 0.90 on average.</summary>
    private static (int Resolution, string Reason) Recommend(IReadOnlyList<PixelImage> cleaned)
    {
        if (cleaned.Count == 0) return (64, "no images yet");
        foreach (var resolution in Resolutions)
        {
            var kept = cleaned.Average(c => Ssim.Mean(c, Filters.Resampler.Resize(Filters.Resampler.Resize(c, resolution, resolution), c.Width, c.Height)));
            if (kept >= DetailKept || resolution == Resolutions[^1])
                return (resolution, $"at {resolution} px the drawings keep {kept:0.00} of their detail (SSIM against 256 px); " +
                    (resolution == Resolutions[0] ? "they are simple enough for the smallest size." : "a smaller size would lose strokes."));
        }
        throw new InvalidOperationException("unreachable");
    }
}
