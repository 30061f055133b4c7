using System.IO.Compression;
using System.Text;
using GanService.Domain.Imaging;
using SkiaSharp;

namespace GanService.Domain.Tests.Imaging;

public sealed class ImageIngestTests
{
    private static readonly ImageIngest Ingest = new(new IngestLimits());

    private static byte[] Encode(SKBitmap bitmap, SKEncodedImageFormat format, int quality = 90)
    {
        using var data = bitmap.Encode(format, quality);
        return data.ToArray();
    }

    private static SKBitmap Filled(int width, int height, SKColor color, SKColorType type = SKColorType.Rgba8888)
    {
        var bitmap = new SKBitmap(new SKImageInfo(width, height, type, SKAlphaType.Unpremul));
        bitmap.Erase(color);
        return bitmap;
    }

    [Theory]
    [InlineData(SKEncodedImageFormat.Png, UploadFormat.Png)]
    [InlineData(SKEncodedImageFormat.Jpeg, UploadFormat.Jpeg)]
    [InlineData(SKEncodedImageFormat.Webp, UploadFormat.WebP)]
    public void Header_gives_format_and_size_before_decoding(SKEncodedImageFormat encoding, UploadFormat expected)
    {
        using var bitmap = Filled(37, 21, SKColors.Gray);
        var header = ImageHeaderReader.Read(Encode(bitmap, encoding));
        Assert.Equal(new ImageHeader(expected, 37, 21, IsAnimated: false), header);
    }

    [Fact]
    public void Lossless_webp_header_is_read_too()
    {
        using var bitmap = Filled(300, 5, SKColors.White);
        var header = ImageHeaderReader.Read(Encode(bitmap, SKEncodedImageFormat.Webp, quality: 100));
        Assert.Equal((UploadFormat.WebP, 300, 5), (header!.Format, header.Width, header.Height));
    }

    [Fact]
    public void An_apng_is_seen_as_animated()
    {
        using var bitmap = Filled(4, 4, SKColors.Black);
        var png = Encode(bitmap, SKEncodedImageFormat.Png).ToList();
        // Insert an acTL chunk (8 data bytes) right after IHDR: signature 8 + IHDR 25 bytes.
        byte[] actl = [0, 0, 0, 8, .. "acTL"u8.ToArray(), 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0];
        png.InsertRange(33, actl);
        Assert.True(ImageHeaderReader.Read(png.ToArray())!.IsAnimated);
        var outcome = Assert.IsType<RejectedFile>(Ingest.Read("apng.png", png.ToArray()).Single());
        Assert.Contains("Animated", outcome.Reason);
    }

    [Fact]
    public void Format_comes_from_the_bytes_not_the_name()
    {
        using var bitmap = Filled(8, 8, SKColors.White);
        var jpegNamedPng = Ingest.Read("photo.png", Encode(bitmap, SKEncodedImageFormat.Jpeg)).Single();
        Assert.IsType<IngestedImage>(jpegNamedPng);
        var textNamedJpeg = Assert.IsType<RejectedFile>(Ingest.Read("photo.jpg", Encoding.ASCII.GetBytes("GIF? no, text")).Single());
        Assert.Contains("Not a PNG, JPEG or WebP", textNamedJpeg.Reason);
    }

    [Fact]
    public void Gray_and_colour_images_are_told_apart_and_kept_as_such()
    {
        using var gray = Filled(10, 10, new SKColor(90, 90, 90));
        var grayImage = Assert.IsType<IngestedImage>(Ingest.ReadImage("g.jpg", Encode(gray, SKEncodedImageFormat.Jpeg)));
        Assert.True(grayImage.IsGrayscale);
        using (var decoded = SKBitmap.Decode(grayImage.Png)) Assert.Equal(SKColorType.Gray8, decoded.ColorType);

        using var red = Filled(10, 10, new SKColor(200, 30, 30));
        var colour = Assert.IsType<IngestedImage>(Ingest.ReadImage("r.png", Encode(red, SKEncodedImageFormat.Png)));
        Assert.False(colour.IsGrayscale);
        using var decodedColour = SKBitmap.Decode(colour.Png);
        var pixel = decodedColour.GetPixel(5, 5);
        Assert.Equal((200, 30, 30), (pixel.Red, pixel.Green, pixel.Blue));
    }

    [Fact]
    public void Transparency_is_composited_over_white_paper()
    {
        using var transparent = Filled(6, 6, new SKColor(0, 0, 0, 0));
        transparent.SetPixel(1, 1, new SKColor(0, 0, 0, 255));
        var image = Assert.IsType<IngestedImage>(Ingest.ReadImage("t.png", Encode(transparent, SKEncodedImageFormat.Png)));
        using var decoded = SKBitmap.Decode(image.Png);
        Assert.Equal(255, decoded.GetPixel(4, 4).Red);
        Assert.Equal(0, decoded.GetPixel(1, 1).Red);
    }

    [Fact]
    public void Metadata_is_stripped_by_re_encoding()
    {
        using var bitmap = Filled(16, 16, SKColors.White);
        var jpeg = Encode(bitmap, SKEncodedImageFormat.Jpeg).ToList();
        // An APP1 Exif segment after SOI carrying a fake GPS position.
        var secret = Encoding.ASCII.GetBytes("Exif\0\0GPS 48.8584N 2.2945E secret-location");
        jpeg.InsertRange(2, [0xFF, 0xE1, (byte)((secret.Length + 2) >> 8), (byte)(secret.Length + 2), .. secret]);

        var image = Assert.IsType<IngestedImage>(Ingest.ReadImage("exif.jpg", jpeg.ToArray()));
        Assert.Equal(-1, image.Png.AsSpan().IndexOf("secret-location"u8));
        Assert.Equal((16, 16), (image.Width, image.Height));
    }

    [Fact]
    public void Size_limits_apply_from_the_header()
    {
        var strict = new ImageIngest(new IngestLimits { MaxSide = 32, MaxPixels = 500 });
        using var wide = Filled(40, 2, SKColors.White);
        Assert.Contains("at most 32 px", Assert.IsType<RejectedFile>(strict.ReadImage("wide.png", Encode(wide, SKEncodedImageFormat.Png))).Reason);
        using var square = Filled(30, 30, SKColors.White);
        Assert.Contains("MP", Assert.IsType<RejectedFile>(strict.ReadImage("square.png", Encode(square, SKEncodedImageFormat.Png))).Reason);
        using var small = Filled(20, 20, SKColors.White);
        Assert.IsType<IngestedImage>(strict.ReadImage("small.png", Encode(small, SKEncodedImageFormat.Png)));
    }

    [Fact]
    public void Identical_pixels_have_identical_hashes_whatever_the_encoding()
    {
        using var bitmap = Filled(12, 12, new SKColor(7, 7, 7));
        var png = Assert.IsType<IngestedImage>(Ingest.ReadImage("a.png", Encode(bitmap, SKEncodedImageFormat.Png)));
        var webp = Assert.IsType<IngestedImage>(Ingest.ReadImage("a.webp", Encode(bitmap, SKEncodedImageFormat.Webp, quality: 100)));
        Assert.Equal(png.PixelHash, webp.PixelHash);
        using var other = Filled(12, 12, new SKColor(8, 8, 8));
        Assert.NotEqual(png.PixelHash, Assert.IsType<IngestedImage>(Ingest.ReadImage("b.png", Encode(other, SKEncodedImageFormat.Png))).PixelHash);
    }

    [Fact]
    public void Zip_limits_on_entries_and_total_bytes_are_enforced()
    {
        using var bitmap = Filled(8, 8, SKColors.White);
        var png = Encode(bitmap, SKEncodedImageFormat.Png);
        var zip = Zip(Enumerable.Range(0, 5).Select(i => ($"{i}.png", png)).ToArray());

        var fewEntries = new ImageIngest(new IngestLimits { MaxZipEntries = 3 });
        Assert.Contains("at most 3", Assert.IsType<RejectedFile>(fewEntries.Read("five.zip", zip).Single()).Reason);

        var fewBytes = new ImageIngest(new IngestLimits { MaxZipTotalBytes = png.Length * 2 });
        var outcomes = fewBytes.Read("five.zip", zip).ToList();
        Assert.Equal(2, outcomes.OfType<IngestedImage>().Count());
        Assert.Equal(3, outcomes.OfType<RejectedFile>().Count(rejected => rejected.Reason.Contains("expands to more than")));
    }

    [Fact]
    public void Zip_entries_are_named_for_display_only()
    {
        using var bitmap = Filled(8, 8, SKColors.White);
        var png = Encode(bitmap, SKEncodedImageFormat.Png);
        var outcomes = Ingest.Read("set.zip", Zip(("drawings/cats/tom.png", png), ("__MACOSX/drawings/._tom.png", [0, 5, 22]), ("folder/", []))).ToList();

        var image = Assert.IsType<IngestedImage>(outcomes[0]);
        Assert.Equal("set.zip/tom.png", image.FileName);
        Assert.Contains("macOS", Assert.IsType<RejectedFile>(outcomes[1]).Reason);
        Assert.Equal(2, outcomes.Count); // the folder entry is skipped silently
    }

    [Theory]
    [InlineData("../../etc/passwd", "passwd")]
    [InlineData("C:\\Users\\me\\cat.png", "cat.png")]
    [InlineData("a\u0000b\u001b.png", "ab.png")]
    [InlineData("///", "unnamed")]
    public void Display_names_keep_only_a_clean_last_segment(string raw, string expected) =>
        Assert.Equal(expected, ImageIngest.DisplayName(raw));

    [Fact]
    public void A_corrupt_zip_is_refused_not_thrown()
    {
        byte[] corrupt = [(byte)'P', (byte)'K', 3, 4, .. new byte[100]];
        var outcome = Assert.IsType<RejectedFile>(Ingest.Read("broken.zip", corrupt).Last());
        Assert.False(string.IsNullOrWhiteSpace(outcome.Reason));
    }

    private static byte[] Zip(params (string Name, byte[] Content)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                using var stream = zip.CreateEntry(name).Open();
                stream.Write(content);
            }
        }
        return buffer.ToArray();
    }
}
