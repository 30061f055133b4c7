using SkiaSharp;

namespace GanService.Domain.Imaging;

/// <summary>Decoded pixels, interleaved, 8 bits per channel; <see cref="Channels"/> is 1 (gray) or 3 (RGB).</summary>
public sealed class PixelImage
{
    public PixelImage(int width, int height, int channels, byte[] pixels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (channels is not (1 or 3))
        {
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "channels must be 1 (gray) or 3 (RGB)");
        }

        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.LongLength != (long)width * height * channels)
        {
            throw new ArgumentException(
                $"expected {(long)width * height * channels} bytes for {width}x{height}x{channels}, got {pixels.LongLength}",
                nameof(pixels));
        }

        Width = width;
        Height = height;
        Channels = channels;
        Pixels = pixels;
    }

    public int Width { get; }

    public int Height { get; }

    public int Channels { get; }

    public byte[] Pixels { get; }

    /// <summary>Bytes per row.</summary>
    internal int Stride => Width * Channels;

    /// <summary>A blank image filled with one colour per channel.</summary>
    internal static PixelImage Filled(int width, int height, ReadOnlySpan<byte> colour)
    {
        var pixels = new byte[width * height * colour.Length];
        if (colour.Length == 1)
        {
            pixels.AsSpan().Fill(colour[0]);
        }
        else
        {
            for (var i = 0; i < pixels.Length; i += colour.Length)
            {
                colour.CopyTo(pixels.AsSpan(i));
            }
        }

        return new PixelImage(width, height, colour.Length, pixels);
    }

    internal PixelImage Clone() => new(Width, Height, Channels, (byte[])Pixels.Clone());

    /// <summary>
    /// Decodes PNG, JPEG or WebP bytes into <paramref name="channels"/> channels. Transparent pixels are
    /// composited over white (a transparent background is blank paper); colour becomes gray by Rec. 601 luminance.
    /// </summary>
    public static PixelImage Decode(ReadOnlySpan<byte> encoded, int channels)
    {
        if (channels is not (1 or 3))
        {
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "channels must be 1 (gray) or 3 (RGB)");
        }

        // SKCodec answers null for bytes it cannot read; SKBitmap.Decode would throw an unhelpful ArgumentNullException.
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data)
            ?? throw new ArgumentException("not a decodable image (PNG, JPEG or WebP expected)", nameof(encoded));
        using var decoded = SKBitmap.Decode(codec)
            ?? throw new ArgumentException("the image data is damaged and could not be decoded", nameof(encoded));
        var width = decoded.Width;
        var height = decoded.Height;
        var pixels = new byte[width * height * channels];

        if (channels == 1 && decoded.ColorType == SKColorType.Gray8)
        {
            // Gray PNGs and JPEGs, the common case for drawings: copy rows, no conversion needed.
            var source = decoded.GetPixelSpan();
            for (var y = 0; y < height; y++)
            {
                source.Slice(y * decoded.RowBytes, width).CopyTo(pixels.AsSpan(y * width, width));
            }

            return new PixelImage(width, height, 1, pixels);
        }

        using var rgba = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(rgba))
        {
            canvas.Clear(SKColors.White);
            // 1:1 copy, so no filtering happens; the sampling argument only picks the non-obsolete overload.
            canvas.DrawBitmap(decoded, 0, 0, new SKSamplingOptions(SKFilterMode.Nearest), null);
        }

        var rgbaPixels = rgba.GetPixelSpan();
        for (var y = 0; y < height; y++)
        {
            var row = rgbaPixels.Slice(y * rgba.RowBytes, width * 4);
            var target = pixels.AsSpan(y * width * channels, width * channels);
            for (var x = 0; x < width; x++)
            {
                byte r = row[x * 4], g = row[(x * 4) + 1], b = row[(x * 4) + 2];
                if (channels == 1)
                {
                    target[x] = Luminance.Of(r, g, b);
                }
                else
                {
                    target[x * 3] = r;
                    target[(x * 3) + 1] = g;
                    target[(x * 3) + 2] = b;
                }
            }
        }

        return new PixelImage(width, height, channels, pixels);
    }

    /// <summary>A gray PNG for one channel, an RGB PNG for three (see <see cref="PngWriter"/>).</summary>
    public byte[] EncodePng() => PngWriter.Encode(Width, Height, Channels, Pixels);
}
