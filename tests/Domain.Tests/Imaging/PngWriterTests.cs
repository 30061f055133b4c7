using GanService.Domain.Imaging;
using SkiaSharp;

namespace GanService.Domain.Tests.Imaging;

public class PngWriterTests
{
    private static byte[] Noise(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(37, 5)]   // rows shorter and longer than a SIMD vector, and not a multiple of it
    [InlineData(530, 530)]
    public void Gray_images_decode_to_exactly_their_pixels(int width, int height)
    {
        var pixels = Noise(width * height, width);

        var png = PngWriter.Encode(width, height, 1, pixels);

        using var bitmap = SKBitmap.Decode(png);
        Assert.NotNull(bitmap);
        Assert.Equal((width, height), (bitmap.Width, bitmap.Height));
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                Assert.Equal(pixels[y * width + x], bitmap.GetPixel(x, y).Red);
    }

    [Fact]
    public void Rgb_images_decode_to_exactly_their_pixels()
    {
        const int width = 19, height = 7;
        var pixels = Noise(width * height * 3, 3);

        using var bitmap = SKBitmap.Decode(PngWriter.Encode(width, height, 3, pixels));

        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                var color = bitmap.GetPixel(x, y);
                var at = (y * width + x) * 3;
                Assert.Equal((pixels[at], pixels[at + 1], pixels[at + 2], (byte)255), (color.Red, color.Green, color.Blue, color.Alpha));
            }
    }

    [Fact]
    public void PixelImage_round_trips_through_its_png()
    {
        var image = new PixelImage(23, 11, 1, Noise(23 * 11, 9));
        var decoded = PixelImage.Decode(image.EncodePng(), 1);
        Assert.Equal(image.Pixels, decoded.Pixels);
    }

    [Fact]
    public void A_flipped_byte_in_the_data_is_caught_by_the_chunk_checksum()
    {
        var pixels = Noise(64 * 64, 1);
        var png = PngWriter.Encode(64, 64, 1, pixels);
        png[60] ^= 0x55; // inside the IDAT data (signature 8 + IHDR 25 + IDAT length and type 8)

        using var codec = SKCodec.Create(new MemoryStream(png));
        if (codec is null) return; // refused outright: caught
        using var bitmap = new SKBitmap(new SKImageInfo(64, 64, SKColorType.Gray8, SKAlphaType.Opaque));
        var result = codec.GetPixels(bitmap.Info, bitmap.GetPixels());
        Assert.True(result != SKCodecResult.Success || !bitmap.GetPixelSpan().SequenceEqual(pixels), $"decoded cleanly: {result}");
    }

    [Fact]
    public void Bad_arguments_say_what_is_wrong()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PngWriter.Encode(0, 1, 1, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => PngWriter.Encode(1, 1, 4, new byte[4]));
        Assert.Contains("expected 6 bytes", Assert.Throws<ArgumentException>(() => PngWriter.Encode(2, 1, 3, new byte[5])).Message);
    }
}
