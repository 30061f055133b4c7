using System.Text;
using GanService.Domain.Imaging.Filters;
using SkiaSharp;

namespace GanService.Domain.Imaging.Simulation;

/// <summary>
/// A phone photo of a drawing, simulated with damage that varies more widely than the shared sets': tinted paper,
/// uneven light, cast shadows, grain, blur, JPEG, and for the table photo tilt and perspective. Used to measure
/// clean-up on photos whose clean original and sheet outline are known exactly.
/// </summary>
/// <remarks>
/// The sheet is rendered in RGB at the drawing's own size (ink multiplied onto the lit paper, so a grey fill stays
/// the same fraction of the paper), then JPEG-encoded and decoded to gray exactly as uploads are. The table photo
/// warps that rendered sheet onto a larger canvas, as a phone sees it from above at a slight angle.
/// </remarks>
public static class PhotoSimulator
{
    /// <summary>The drawing size the damage's pixel measures (blur) refer to.</summary>
    public const int ReferenceSide = 200;

    /// <summary>A draw that depends only on <paramref name="seed"/> and the image's name, the same in every process.</summary>
    public static PhotoDamage ForImage(int seed, string name)
    {
        ArgumentNullException.ThrowIfNull(name);

        // FNV-1a over UTF-8: string.GetHashCode is randomised per process, and the sets must be reproducible.
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(name))
        {
            hash = (hash ^ b) * 16777619u;
        }

        hash ^= unchecked((uint)seed * 0x9E3779B1u);
        hash = (hash ^ (hash >> 16)) * 0x85EBCA6Bu;
        hash ^= hash >> 13;
        return PhotoDamage.Draw(new Random((int)(hash & int.MaxValue)));
    }

    /// <summary>
    /// The photos of <paramref name="clean"/> (gray, black ink on white paper) with <paramref name="damage"/>:
    /// the same bytes every time for the same inputs.
    /// </summary>
    public static SimulatedPhoto Simulate(PixelImage clean, PhotoDamage damage)
    {
        ArgumentNullException.ThrowIfNull(clean);
        ArgumentNullException.ThrowIfNull(damage);
        if (clean.Channels != 1)
        {
            throw new ArgumentException("the clean drawing must be gray (1 channel)", nameof(clean));
        }

        var sheet = RenderSheet(clean, damage);
        var flatJpeg = EncodeJpeg(sheet, damage.JpegQuality);
        var (canvas, corners) = TableScene.Place(sheet, damage);
        var onTableJpeg = EncodeJpeg(canvas, damage.JpegQuality);
        return new SimulatedPhoto(
            PixelImage.Decode(flatJpeg, 1), PixelImage.Decode(onTableJpeg, 1), corners, damage, flatJpeg, onTableJpeg);
    }

    /// <summary>The lit, inked, grainy sheet in RGB, pixel-aligned with <paramref name="clean"/>, before JPEG.</summary>
    internal static PixelImage RenderSheet(PixelImage clean, PhotoDamage damage)
    {
        int width = clean.Width, height = clean.Height;
        var sigma = damage.BlurSigma * Math.Max(width, height) / ReferenceSide;
        var ink = GaussianBlur.Apply(clean.Pixels, width, height, sigma);
        var light = LightField.For(damage, width, height);
        var noise = new NoiseSource(damage.NoiseSeed);
        float paperR = (float)damage.Paper.Red, paperG = (float)damage.Paper.Green, paperB = (float)damage.Paper.Blue;
        float inkR = 1 - (float)damage.Ink.Red, inkG = 1 - (float)damage.Ink.Green, inkB = 1 - (float)damage.Ink.Blue;
        var grain = (float)damage.GrainSigma;
        var pixels = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var i = (y * width) + x;
                var coverage = 1 - (ink[i] / 255f);
                var lit = light.At(x, y);
                // Mostly luminance noise (grain, sensor), a little per channel (chroma noise of a small sensor).
                var common = grain * noise.NextGaussian();
                var chroma = 0.3f * grain;
                pixels[i * 3] = Resampler.ToByte((paperR * lit * (1 - (coverage * inkR))) + common + (chroma * noise.NextGaussian()));
                pixels[(i * 3) + 1] = Resampler.ToByte((paperG * lit * (1 - (coverage * inkG))) + common);
                pixels[(i * 3) + 2] = Resampler.ToByte((paperB * lit * (1 - (coverage * inkB))) + common + (chroma * noise.NextGaussian()));
            }
        }

        return new PixelImage(width, height, 3, pixels);
    }

    /// <summary>An RGB image as a phone saves it: baseline JPEG at <paramref name="quality"/>.</summary>
    internal static byte[] EncodeJpeg(PixelImage rgb, int quality)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(rgb.Width, rgb.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var target = bitmap.GetPixelSpan();
        var source = rgb.Pixels;
        for (var y = 0; y < rgb.Height; y++)
        {
            var row = target.Slice(y * bitmap.RowBytes, rgb.Width * 4);
            for (int x = 0, s = y * rgb.Width * 3; x < rgb.Width; x++, s += 3)
            {
                row[x * 4] = source[s];
                row[(x * 4) + 1] = source[s + 1];
                row[(x * 4) + 2] = source[s + 2];
                row[(x * 4) + 3] = 255;
            }
        }

        using var encoded = bitmap.Encode(SKEncodedImageFormat.Jpeg, quality)
            ?? throw new InvalidOperationException("SkiaSharp could not encode a JPEG.");
        return encoded.ToArray();
    }
}

/// <summary>
/// One simulated drawing: <see cref="Flat"/> pixel-aligned with the clean original (same size), <see cref="OnTable"/>
/// the sheet tilted and in perspective on a table, <see cref="Corners"/> the sheet's corners in <see cref="OnTable"/>
/// pixels (top-left, top-right, bottom-right, bottom-left), both photos gray as decoded from the JPEG bytes kept here.
/// </summary>
public sealed record SimulatedPhoto(
    PixelImage Flat,
    PixelImage OnTable,
    IReadOnlyList<(double X, double Y)> Corners,
    PhotoDamage Damage,
    byte[] FlatJpeg,
    byte[] OnTableJpeg);
