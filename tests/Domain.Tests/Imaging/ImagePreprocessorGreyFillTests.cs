using GanService.Domain.Imaging;

namespace GanService.Domain.Tests.Imaging;

/// <summary>
/// Grey fills and shading through the default clean-up: they must stay grey, neither pushed to the black of the
/// outlines nor taken for paper and bleached (both happened before the clean-up was tuned on things200).
/// </summary>
public class ImagePreprocessorGreyFillTests
{
    private const int Size = 200; // the shared data sets' size
    private const int Resolution = 64;

    [Theory]
    [InlineData(128, 60)] // mid grey, a third of the sheet: wider than the background closing bridges
    [InlineData(170, 64)] // light grey, two fifths of the sheet: could pass for paper in shade
    [InlineData(90, 40)] // dark grey, a small patch among the outline
    public void A_grey_filled_rectangle_keeps_its_grey(byte grey, int halfSide)
    {
        var clean = Sheet(grey, halfSide);
        var photo = Photograph(clean);

        var reference = ImagePreprocessor.Prepare(clean, Resolution, PreprocessOptions.None);
        var cleaned = ImagePreprocessor.Prepare(photo, Resolution, PreprocessOptions.Default with { AutoCrop = false });
        var cropped = ImagePreprocessor.Prepare(photo, Resolution, PreprocessOptions.Default);

        var expected = CentreMean(reference);
        Assert.InRange(expected, grey - 3, grey + 3);
        var fill = CentreMean(cleaned);
        Assert.True(Math.Abs(fill - grey) < 40, $"fill {grey} came out as {fill:0} (crop off)");
        var fillCropped = CentreMean(cropped);
        Assert.True(Math.Abs(fillCropped - grey) < 40, $"fill {grey} came out as {fillCropped:0} (defaults)");
        Assert.True(Ssim.Mean(cleaned, reference) > Ssim.Mean(ImagePreprocessor.Prepare(photo, Resolution, PreprocessOptions.None), reference));
    }

    /// <summary>White sheet, a black 4-pixel outline round a square of <paramref name="grey"/> in the middle.</summary>
    private static PixelImage Sheet(byte grey, int halfSide)
    {
        var image = Fixtures.Uniform(Size, Size, 255);
        const int centre = Size / 2;
        for (var y = centre - halfSide; y < centre + halfSide; y++)
        {
            for (var x = centre - halfSide; x < centre + halfSide; x++)
            {
                var edge = Math.Min(Math.Min(x - (centre - halfSide), (centre + halfSide - 1) - x), Math.Min(y - (centre - halfSide), (centre + halfSide - 1) - y));
                image.Pixels[(y * Size) + x] = edge < 4 ? (byte)0 : grey;
            }
        }

        return image;
    }

    /// <summary>
    /// A crude phone photo of <paramref name="clean"/>: off-white paper darkening by a fifth towards one corner, pencil
    /// that reaches only about half-way to black, and a fixed pattern of grain.
    /// </summary>
    private static PixelImage Photograph(PixelImage clean)
    {
        var random = new Random(13);
        var photo = new byte[clean.Pixels.Length];
        for (var y = 0; y < Size; y++)
        {
            for (var x = 0; x < Size; x++)
            {
                var light = 225 * (1 - (0.2 * (x + y) / (2.0 * Size)));
                var tone = 0.45 + (0.55 * clean.Pixels[(y * Size) + x] / 255.0);
                photo[(y * Size) + x] = (byte)Math.Clamp(Math.Round((light * tone) + ((random.NextDouble() - 0.5) * 12)), 0, 255);
            }
        }

        return new PixelImage(Size, Size, 1, photo);
    }

    /// <summary>Mean of the middle 8×8 of a prepared image, well inside every fill.</summary>
    private static double CentreMean(PixelImage image)
    {
        double sum = 0;
        for (var y = (image.Height / 2) - 4; y < (image.Height / 2) + 4; y++)
        {
            for (var x = (image.Width / 2) - 4; x < (image.Width / 2) + 4; x++)
            {
                sum += image.Pixels[(y * image.Width) + x];
            }
        }

        return sum / 64;
    }
}
