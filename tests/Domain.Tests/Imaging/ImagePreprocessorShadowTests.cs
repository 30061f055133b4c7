using GanService.Domain.Imaging;

namespace GanService.Domain.Tests.Imaging;

/// <summary>
/// A hand's shadow across a photographed sheet: as dark as a grey fill and as large, but soft-edged. The clean-up must
/// divide it out, where a drawn fill of the same grey (<see cref="ImagePreprocessorGreyFillTests"/>) stays grey.
/// </summary>
public class ImagePreprocessorShadowTests
{
    private const int Size = 200;
    private const int Resolution = 64;

    [Theory]
    [InlineData(0.55)] // a deep shadow: as dark as a mid-grey fill would photograph
    [InlineData(0.75)]
    public void A_soft_cast_shadow_is_divided_out(double shadowLight)
    {
        // Line art: a black ring; the shadow, a soft-edged disc, covers the top-left third of the sheet and the ring.
        var clean = Fixtures.Uniform(Size, Size, 255);
        var photo = new byte[Size * Size];
        var random = new Random(5);
        for (var y = 0; y < Size; y++)
        {
            for (var x = 0; x < Size; x++)
            {
                var ring = Math.Abs(Math.Sqrt(((x - 100) * (x - 100)) + ((y - 100) * (y - 100))) - 60) < 3;
                clean.Pixels[(y * Size) + x] = ring ? (byte)0 : (byte)255;

                // Penumbra about 30 px wide (a hand a few centimetres above the paper).
                var distance = Math.Sqrt((x * x) + (y * y)) - 90;
                var inShadow = 1 / (1 + Math.Exp(distance / 8));
                var light = 215 * (1 - ((1 - shadowLight) * inShadow));
                var tone = ring ? 0.3 : 1.0;
                photo[(y * Size) + x] = (byte)Math.Clamp(Math.Round((light * tone) + ((random.NextDouble() - 0.5) * 10)), 0, 255);
            }
        }

        var shadowed = new PixelImage(Size, Size, 1, photo);
        var reference = ImagePreprocessor.Prepare(clean, Resolution, PreprocessOptions.None);
        var cleaned = ImagePreprocessor.Prepare(shadowed, Resolution, PreprocessOptions.Default with { AutoCrop = false });

        // Paper inside the shadow (near the top-left corner) and outside it (bottom-right) both come out white.
        Assert.True(Mean(cleaned, 4, 4) > 235, $"paper under the shadow came out {Mean(cleaned, 4, 4):0}");
        Assert.True(Mean(cleaned, 56, 56) > 235, $"paper in the light came out {Mean(cleaned, 56, 56):0}");
        var ssim = Ssim.Mean(cleaned, reference);
        Assert.True(ssim > 0.9, $"SSIM against the clean ring {ssim:0.000}");
    }

    /// <summary>Mean of the 4×4 block at (<paramref name="x"/>, <paramref name="y"/>).</summary>
    private static double Mean(PixelImage image, int x, int y)
    {
        double sum = 0;
        for (var dy = 0; dy < 4; dy++)
        {
            for (var dx = 0; dx < 4; dx++)
            {
                sum += image.Pixels[((y + dy) * image.Width) + x + dx];
            }
        }

        return sum / 16;
    }
}
