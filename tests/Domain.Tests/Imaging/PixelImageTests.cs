using GanService.Domain.Imaging;
using SkiaSharp;

namespace GanService.Domain.Tests.Imaging;

public class PixelImageTests
{
    [Fact]
    public void Gray_png_round_trips_exactly()
    {
        var pixels = Enumerable.Range(0, 7 * 5).Select(i => (byte)(i * 7)).ToArray();
        var image = new PixelImage(7, 5, 1, pixels);

        var decoded = PixelImage.Decode(image.EncodePng(), 1);

        Assert.Equal((7, 5, 1), (decoded.Width, decoded.Height, decoded.Channels));
        Assert.Equal(pixels, decoded.Pixels);
    }

    [Fact]
    public void Rgb_png_round_trips_exactly()
    {
        var pixels = Enumerable.Range(0, 6 * 4 * 3).Select(i => (byte)(255 - (i * 3))).ToArray();
        var image = new PixelImage(6, 4, 3, pixels);

        var decoded = PixelImage.Decode(image.EncodePng(), 3);

        Assert.Equal(pixels, decoded.Pixels);
    }

    [Fact]
    public void Encoded_png_is_a_png_skia_reads_back_gray_or_opaque()
    {
        var gray = new PixelImage(3, 2, 1, new byte[6]).EncodePng();
        var rgb = new PixelImage(3, 2, 3, new byte[18]).EncodePng();

        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], gray[..4]);
        using var grayCodec = SKCodec.Create(new MemoryStream(gray));
        using var rgbCodec = SKCodec.Create(new MemoryStream(rgb));
        Assert.Equal(SKColorType.Gray8, grayCodec.Info.ColorType);
        Assert.Equal(SKAlphaType.Opaque, rgbCodec.Info.AlphaType);
    }

    [Fact]
    public void Colour_decodes_to_gray_by_luminance()
    {
        var rgb = new PixelImage(3, 1, 3, [255, 0, 0, 0, 255, 0, 0, 0, 255]).EncodePng();

        var gray = PixelImage.Decode(rgb, 1);

        Assert.Equal(new byte[] { 76, 150, 29 }, gray.Pixels); // Rec. 601: 0.299, 0.587, 0.114
    }

    [Fact]
    public void Transparency_is_composited_over_white()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(2, 1, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        bitmap.SetPixel(0, 0, new SKColor(0, 0, 0, 0));     // fully transparent black
        bitmap.SetPixel(1, 0, new SKColor(0, 0, 0, 255));   // opaque black
        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);

        var gray = PixelImage.Decode(png.ToArray(), 1);

        Assert.Equal(new byte[] { 255, 0 }, gray.Pixels);
    }

    [Fact]
    public void Jpeg_fixture_decodes()
    {
        var photo = Fixtures.Phone("000_U1F400");

        Assert.Equal((200, 200, 1), (photo.Width, photo.Height, photo.Channels));
        Assert.Equal(3, Fixtures.Load("symbola176-phone", "000_U1F400.jpg", channels: 3).Channels);
    }

    [Fact]
    public void Undecodable_bytes_and_bad_shapes_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => PixelImage.Decode("not an image"u8, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => PixelImage.Decode(new PixelImage(1, 1, 1, [0]).EncodePng(), 2));
        Assert.Throws<ArgumentException>(() => new PixelImage(2, 2, 1, new byte[3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PixelImage(0, 2, 1, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PixelImage(1, 1, 4, new byte[4]));
    }
}
