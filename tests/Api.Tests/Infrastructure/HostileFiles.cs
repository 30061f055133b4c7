using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using SkiaSharp;

namespace GanService.Api.Tests.Infrastructure;

/// Hostile uploads, generated here so that nothing dangerous sits in the repository.
public static class HostileFiles
{
    public static byte[] GoodPng(int size = 24, byte shade = 100)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Gray8, SKAlphaType.Opaque));
        bitmap.Erase(new SKColor(240, 240, 240));
        for (var i = 0; i < size; i++) bitmap.SetPixel(i, i, new SKColor(shade, shade, shade));
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// Random gray noise: a PNG that cannot compress, for quota tests.
    public static byte[] NoisePng(int size, int seed)
    {
        var random = new Random(seed);
        using var bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Gray8, SKAlphaType.Opaque));
        random.NextBytes(bitmap.GetPixelSpan());
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    public static byte[] ZipSlip() => Fixtures.Zip(("../../x.png", GoodPng()), ("/etc/absolute.png", GoodPng(shade: 50)), ("C:\\windows\\y.png", GoodPng(shade: 20)));

    /// A 2 KB zip whose entry really expands to 1 GiB of zeros (an honest declared size, ratio ~1000:1).
    public static byte[] ZipBombExpanding()
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var stream = zip.CreateEntry("bomb.png", CompressionLevel.SmallestSize).Open();
            var zeros = new byte[1 << 20];
            for (var i = 0; i < 1024; i++) stream.Write(zeros);
        }
        return buffer.ToArray();
    }

    /// A small zip whose directory declares 3.75 GiB for an entry.
    public static byte[] ZipBombDeclared() => PatchDeclaredSize(Fixtures.Zip(("huge.png", GoodPng())), 0xF000_0000u);

    /// A zip whose entry declares 100 bytes but expands to 8 MiB: the directory lies.
    public static byte[] ZipLyingAboutSize() => PatchDeclaredSize(Fixtures.Zip(("liar.png", new byte[8 << 20])), 100);

    private static byte[] PatchDeclaredSize(byte[] zip, uint size)
    {
        // Uncompressed size: offset 22 of the local header (PK\3\4), offset 24 of the central one (PK\1\2).
        var span = zip.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span[22..], size);
        var central = span.IndexOf("PK\u0001\u0002"u8);
        BinaryPrimitives.WriteUInt32LittleEndian(span[(central + 24)..], size);
        return zip;
    }

    /// A PNG whose header claims 60000×60000 (3.6 gigapixels); no pixel data follows.
    public static byte[] PngClaimingHugeSize()
    {
        var png = new byte[8 + 25 + 12];
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(png, 0);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(8), 13);
        "IHDR"u8.CopyTo(png.AsSpan(12));
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(16), 60000);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(20), 60000);
        png[24] = 8; // bit depth; colour type 0 (gray)
        // The IHDR CRC (bytes 29..32) stays zero; then an empty IEND chunk.
        "IEND"u8.CopyTo(png.AsSpan(37));
        return png;
    }

    public static byte[] TruncatedJpeg()
    {
        var jpeg = Fixtures.Read(Fixtures.PhonePhotos[0]);
        return jpeg[..(jpeg.Length / 2)];
    }

    /// A 1×1 GIF with two frames and a loop extension.
    public static byte[] AnimatedGif()
    {
        var gif = new List<byte>();
        gif.AddRange("GIF89a"u8.ToArray());
        gif.AddRange([1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF]);
        gif.AddRange([0x21, 0xFF, 0x0B, .. "NETSCAPE2.0"u8.ToArray(), 0x03, 0x01, 0x00, 0x00, 0x00]);
        for (var frame = 0; frame < 2; frame++)
        {
            gif.AddRange([0x21, 0xF9, 0x04, 0x00, 0x0A, 0x00, 0x00, 0x00]);
            gif.AddRange([0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0x02, 0x02, 0x44, 0x01, 0x00]);
        }
        gif.Add(0x3B);
        return gif.ToArray();
    }

    /// The start of an animated WebP: a VP8X header with the animation flag, then ANIM.
    public static byte[] AnimatedWebP()
    {
        var chunks = new List<byte>();
        chunks.AddRange("WEBP"u8.ToArray());
        chunks.AddRange([.. "VP8X"u8.ToArray(), 10, 0, 0, 0, 0x02, 0, 0, 0, 15, 0, 0, 15, 0, 0]);
        chunks.AddRange([.. "ANIM"u8.ToArray(), 6, 0, 0, 0, 255, 255, 255, 255, 0, 0]);
        var webp = new List<byte>();
        webp.AddRange("RIFF"u8.ToArray());
        webp.AddRange(BitConverter.GetBytes(chunks.Count));
        webp.AddRange(chunks);
        return webp.ToArray();
    }

    public static byte[] TextNamedPng() => Encoding.UTF8.GetBytes("this is not an image, whatever its name says\n");

    public static byte[] EmptyZip() => Fixtures.Zip();

    public static byte[] NestedZip() => Fixtures.Zip(("inner.zip", Fixtures.Zip(("deep.png", GoodPng()))));
}
