namespace GanService.Domain.Imaging.Filters;

/// <summary>
/// Noise removal for photographed drawings, by strength (see <see cref="PreprocessOptions.Denoise"/>):
/// 1 whitens the paper grain (values within 2.5σ of the paper level), 2 runs a 3×3 median first
/// (JPEG speckle, grain inside strokes), 3 runs two medians and whitens within 4σ.
/// </summary>
/// <remarks>
/// Grain on paper is what a phone photo adds most; pulling everything within a few noise widths of the paper
/// level onto it makes the paper clean without touching strokes. The median is not on by default: the final
/// area-averaging resize already smooths what it would, and on thin strokes it costs detail.
/// </remarks>
internal static class Denoiser
{
    public static PixelImage Apply(PixelImage image, int strength, bool[]? ignore)
    {
        if (strength <= 0)
        {
            return image;
        }

        var medianPasses = strength - 1;
        for (var pass = 0; pass < medianPasses; pass++)
        {
            image = Median.Filter3x3(image);
        }

        var paper = PaperStatistics.Measure(Histogram.Of(Luminance.Plane(image), ignore));
        var reach = GrainWidths(strength) * paper.Noise;
        if (reach > 0)
        {
            Levels.Apply(image, WhitenGrain(paper.Level, reach));
        }

        return image;
    }

    /// <summary>How many noise widths (σ) below the paper level still count as paper.</summary>
    private static float GrainWidths(int strength) => strength >= 3 ? 4f : 2.5f;

    /// <summary>
    /// Values within <paramref name="reach"/> of the paper level become paper; a knee of the same width below
    /// blends into the untouched values so no contour appears where the grain ends.
    /// </summary>
    private static byte[] WhitenGrain(float paperLevel, float reach)
    {
        var curve = new byte[256];
        for (var v = 0; v < 256; v++)
        {
            var towardsPaper = Math.Clamp((v - (paperLevel - (2 * reach))) / reach, 0f, 1f);
            curve[v] = Resampler.ToByte(v + (towardsPaper * (paperLevel - v)));
        }

        return curve;
    }
}
