using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using GanService.Domain.Imaging;
using SkiaSharp;

namespace GanService.Domain.Tests.Imaging;

/// The date a photo was taken, read before the PNG re-encode strips the metadata.
public sealed class ExifDateTests
{
    private static readonly ImageIngest Ingest = new(new IngestLimits());

    /// <summary>A real JPEG (SkiaSharp) with an APP1 Exif segment spliced in after SOI: IFD0 → Exif IFD → DateTimeOriginal.</summary>
    internal static byte[] JpegTakenAt(string exifDate, bool bigEndian = false)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(24, 16, SKColorType.Gray8));
        bitmap.Erase(new SKColor(200, 200, 200));
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90);
        var jpeg = data.ToArray();

        var tiff = new byte[8 + 18 + 18 + 20];
        void U16(int at, int v) { if (bigEndian) BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(at), (ushort)v); else BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(at), (ushort)v); }
        void U32(int at, int v) { if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(tiff.AsSpan(at), (uint)v); else BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(at), (uint)v); }
        tiff[0] = tiff[1] = (byte)(bigEndian ? 'M' : 'I');
        U16(2, 42); U32(4, 8);
        // IFD0 at 8: one entry, ExifIFDPointer (LONG) = 26; next IFD 0.
        U16(8, 1); U16(10, 0x8769); U16(12, 4); U32(14, 1); U32(18, 26); U32(22, 0);
        // Exif IFD at 26: one entry, DateTimeOriginal (ASCII, 20) at offset 44.
        U16(26, 1); U16(28, 0x9003); U16(30, 2); U32(32, 20); U32(36, 44); U32(40, 0);
        Encoding.ASCII.GetBytes(exifDate + "\0").CopyTo(tiff, 44);
        var segment = new byte[4 + 6 + tiff.Length];
        segment[0] = 0xFF; segment[1] = 0xE1;
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(2), (ushort)(segment.Length - 2));
        "Exif\0\0"u8.CopyTo(segment.AsSpan(4));
        tiff.CopyTo(segment, 10);
        return [.. jpeg[..2], .. segment, .. jpeg[2..]];
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DateTimeOriginal_is_read_from_a_jpeg_and_the_stored_png_has_no_metadata(bool bigEndian)
    {
        var photo = JpegTakenAt("2018:04:21 16:05:09", bigEndian);
        Assert.Equal(new DateTime(2018, 4, 21, 16, 5, 9), ExifDate.Read(photo));

        var image = Assert.IsType<IngestedImage>(Assert.Single(Ingest.Read("sketch.jpg", photo)));
        Assert.Equal(new DateTime(2018, 4, 21, 16, 5, 9), image.TakenAt);
        Assert.Null(ExifDate.Read(image.Png));
        Assert.DoesNotContain("2018:04:21", Encoding.ASCII.GetString(image.Png));
    }

    [Fact]
    public void A_zip_entry_s_timestamp_is_the_date_when_the_photo_has_none_and_exif_wins_when_it_has()
    {
        using var plain = new SKBitmap(new SKImageInfo(20, 20, SKColorType.Gray8));
        plain.Erase(new SKColor(120, 120, 120));
        using var png = plain.Encode(SKEncodedImageFormat.Png, 100);
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            var a = zip.CreateEntry("a.png");
            a.LastWriteTime = new DateTimeOffset(2019, 6, 2, 9, 30, 0, TimeSpan.Zero);
            using (var stream = a.Open()) stream.Write(png.ToArray());
            var b = zip.CreateEntry("b.jpg");
            b.LastWriteTime = new DateTimeOffset(2019, 6, 2, 9, 30, 0, TimeSpan.Zero);
            using (var stream = b.Open()) stream.Write(JpegTakenAt("2018:05:01 10:00:00"));
        }
        var images = Ingest.Read("photos.zip", buffer.ToArray()).Cast<IngestedImage>().ToList();
        Assert.Equal(new DateTime(2019, 6, 2, 9, 30, 0), images[0].TakenAt); // DOS time: even seconds, no zone
        Assert.Equal(new DateTime(2018, 5, 1, 10, 0, 0), images[1].TakenAt);
    }

    [Fact]
    public void A_damaged_or_absent_exif_gives_no_date()
    {
        var photo = JpegTakenAt("2018:04:21 16:05:09");
        Assert.Null(ExifDate.Read(photo.AsSpan(0, 30)));       // cut inside the TIFF
        Assert.Null(ExifDate.Read(JpegTakenAt("not a date at all!!")));
        Assert.Null(ExifDate.Read([]));
        Assert.Null(ExifDate.FromZipEntry(new DateTimeOffset(1980, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        var header = ImageHeaderReader.Read(photo);
        Assert.Equal(UploadFormat.Jpeg, header?.Format); // the spliced segment keeps it a valid JPEG
    }
}
