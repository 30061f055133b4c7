using System.IO.Compression;
using System.Security.Cryptography;
using SkiaSharp;

namespace GanService.Domain.Imaging;

/// One outcome per file of an upload: an accepted image or the reason it was refused.
public abstract record IngestOutcome(string FileName);

/// An accepted image, re-encoded as PNG (which also strips EXIF and any other metadata). TakenAt is read first: the
/// photo's EXIF DateTimeOriginal, else its zip entry's timestamp, else null.
public sealed record IngestedImage(string FileName, byte[] Png, int Width, int Height, bool IsGrayscale, string PixelHash, DateTime? TakenAt = null)
    : IngestOutcome(FileName);

public sealed record RejectedFile(string FileName, string Reason) : IngestOutcome(FileName);

/// Reads untrusted uploads: single images and zips of images. Every file is sniffed from its bytes,
/// its header checked against <see cref="IngestLimits"/> before decoding, and decoded by SkiaSharp.
/// Names are kept for display only and never touch the file system.
public sealed class ImageIngest(IngestLimits limits)
{
    /// Channels that differ by no more than this still count as gray (JPEG chroma noise).
    private const int GrayTolerance = 6;

    /// Reads one uploaded file. Yields one outcome per image (a zip gives many), lazily, so the
    /// caller can store each image before the next one is decoded.
    public IEnumerable<IngestOutcome> Read(string fileName, byte[] content)
    {
        var displayName = DisplayName(fileName);
        if (ImageHeaderReader.SniffFormat(content) == UploadFormat.Zip)
            return ReadZip(displayName, content);
        return [ReadImage(displayName, content)];
    }

    public IngestOutcome ReadImage(string fileName, ReadOnlySpan<byte> content)
    {
        if (content.Length == 0) return new RejectedFile(fileName, "The file is empty.");
        if (content.Length > limits.MaxImageBytes)
            return new RejectedFile(fileName, $"The file is larger than {limits.MaxImageBytes >> 20} MB.");

        var header = ImageHeaderReader.Read(content);
        switch (header)
        {
            case null:
                return new RejectedFile(fileName, "The image header is damaged or truncated.");
            case { Format: UploadFormat.Unknown }:
                return new RejectedFile(fileName, "Not a PNG, JPEG or WebP image (the content was checked, not the name).");
            case { Format: UploadFormat.Gif }:
                return new RejectedFile(fileName, "GIF is not accepted; upload PNG, JPEG or WebP.");
            case { Format: UploadFormat.Zip }:
                return new RejectedFile(fileName, "Zips inside zips are not accepted.");
            case { IsAnimated: true }:
                return new RejectedFile(fileName, "Animated images are not accepted.");
        }
        if (header.Width > limits.MaxSide || header.Height > limits.MaxSide)
            return new RejectedFile(fileName, $"The image is {header.Width}×{header.Height}; each side may be at most {limits.MaxSide} px.");
        if ((long)header.Width * header.Height > limits.MaxPixels)
            return new RejectedFile(fileName, $"The image has {(long)header.Width * header.Height / 1e6:0.#} MP; at most {limits.MaxPixels / 1e6:0.#} MP are accepted.");

        return Decode(fileName, content, header);
    }

    private IngestOutcome Decode(string fileName, ReadOnlySpan<byte> content, ImageHeader header)
    {
        using var data = SKData.CreateCopy(content);
        using var codec = SKCodec.Create(data);
        if (codec is null) return new RejectedFile(fileName, "The image could not be decoded.");

        // The decoder must agree with the header we checked; anything else is a crafted file.
        if (codec.Info.Width != header.Width || codec.Info.Height != header.Height)
            return new RejectedFile(fileName, "The image header is inconsistent.");
        if (codec.FrameCount > 1) return new RejectedFile(fileName, "Animated images are not accepted.");

        var info = new SKImageInfo(header.Width, header.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        // IncompleteInput: a truncated file. Skia fills the rest with zeros; we refuse it instead.
        if (result != SKCodecResult.Success)
            return new RejectedFile(fileName, result == SKCodecResult.IncompleteInput
                ? "The image is truncated."
                : $"The image could not be decoded ({result}).");

        var rgba = bitmap.GetPixelSpan();
        var isGray = FlattenAlphaOntoWhite(rgba);
        var (png, pixelHash) = isGray ? EncodeGray(rgba, header.Width, header.Height) : EncodeRgb(bitmap, rgba);
        return new IngestedImage(fileName, png, header.Width, header.Height, isGray, pixelHash, ExifDate.Read(content));
    }

    /// Composites transparent pixels over white paper in place and tells whether the image is gray.
    private static bool FlattenAlphaOntoWhite(Span<byte> rgba)
    {
        var isGray = true;
        for (var i = 0; i < rgba.Length; i += 4)
        {
            int alpha = rgba[i + 3];
            if (alpha != 255)
            {
                for (var c = 0; c < 3; c++)
                    rgba[i + c] = (byte)((rgba[i + c] * alpha + 255 * (255 - alpha) + 127) / 255);
                rgba[i + 3] = 255;
            }
            if (isGray && (Math.Abs(rgba[i] - rgba[i + 1]) > GrayTolerance || Math.Abs(rgba[i + 1] - rgba[i + 2]) > GrayTolerance))
                isGray = false;
        }
        return isGray;
    }

    private static (byte[] Png, string Hash) EncodeGray(ReadOnlySpan<byte> rgba, int width, int height)
    {
        using var gray = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        var target = gray.GetPixelSpan();
        var rowBytes = gray.RowBytes;
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var source = (y * width + x) * 4;
                // Rec. 601 luma in integers; equal to the channel value when R = G = B.
                target[y * rowBytes + x] = (byte)((rgba[source] * 299 + rgba[source + 1] * 587 + rgba[source + 2] * 114 + 500) / 1000);
            }
        }
        return (EncodePng(gray), Convert.ToHexStringLower(SHA256.HashData(target)));
    }

    private static (byte[] Png, string Hash) EncodeRgb(SKBitmap bitmap, ReadOnlySpan<byte> rgba) =>
        (EncodePng(bitmap), Convert.ToHexStringLower(SHA256.HashData(rgba)));

    private static byte[] EncodePng(SKBitmap bitmap)
    {
        using var encoded = bitmap.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new InvalidOperationException("SkiaSharp could not encode a PNG.");
        return encoded.ToArray();
    }

    private IEnumerable<IngestOutcome> ReadZip(string zipName, byte[] content)
    {
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(new MemoryStream(content, writable: false), ZipArchiveMode.Read);
        }
        catch (InvalidDataException)
        {
            return [new RejectedFile(zipName, "Not a valid zip archive.")];
        }
        return ReadEntries(zipName, archive);
    }

    private IEnumerable<IngestOutcome> ReadEntries(string zipName, ZipArchive archive)
    {
        using var _ = archive;
        IReadOnlyList<ZipArchiveEntry> entries;
        try
        {
            entries = archive.Entries;
        }
        catch (InvalidDataException)
        {
            entries = [];
        }
        if (entries.Count > limits.MaxZipEntries)
        {
            yield return new RejectedFile(zipName, $"The zip has {entries.Count} entries; at most {limits.MaxZipEntries} are accepted.");
            yield break;
        }

        var images = 0;
        long bytesRead = 0;
        foreach (var entry in entries)
        {
            if (entry.FullName.EndsWith('/')) continue; // a folder
            var name = $"{zipName}/{DisplayName(entry.FullName)}";
            if (IsUnsafePath(entry.FullName))
            {
                yield return new RejectedFile(name, "Unsafe path inside the zip (absolute or with '..'); the entry was skipped.");
                continue;
            }
            if (entry.FullName.StartsWith("__MACOSX/", StringComparison.Ordinal) || Path.GetFileName(entry.FullName).StartsWith("._", StringComparison.Ordinal))
            {
                yield return new RejectedFile(name, "macOS metadata, not an image; skipped.");
                continue;
            }
            if (entry.CompressedLength > 0 && (double)entry.Length / entry.CompressedLength > limits.MaxCompressionRatio && entry.Length > 1 << 20)
            {
                yield return new RejectedFile(name, $"Compression ratio {entry.Length / entry.CompressedLength}:1 is too high (a zip bomb?).");
                continue;
            }
            if (entry.Length > limits.MaxImageBytes)
            {
                yield return new RejectedFile(name, $"The entry declares {entry.Length >> 20} MB; at most {limits.MaxImageBytes >> 20} MB per image.");
                continue;
            }
            var remaining = limits.MaxZipTotalBytes - bytesRead;
            if (remaining <= 0)
            {
                yield return new RejectedFile(name, $"The zip expands to more than {limits.MaxZipTotalBytes >> 20} MB; the rest was skipped.");
                continue;
            }

            var (bytes, error) = ReadEntryBounded(entry, Math.Min(limits.MaxImageBytes, remaining));
            bytesRead += bytes?.Length ?? 0;
            if (error is not null)
            {
                yield return new RejectedFile(name, error);
                continue;
            }
            images++;
            var outcome = ReadImage(name, bytes);
            yield return outcome is IngestedImage { TakenAt: null } image ? image with { TakenAt = ExifDate.FromZipEntry(entry.LastWriteTime) } : outcome;
        }
        if (images == 0) yield return new RejectedFile(zipName, "The zip contains no images.");
    }

    /// Decompresses an entry while counting, and stops as soon as it passes the bound or the size
    /// it declared: the central directory can lie, the bytes cannot.
    private static (byte[]? Bytes, string? Error) ReadEntryBounded(ZipArchiveEntry entry, long maxBytes)
    {
        try
        {
            using var stream = entry.Open();
            var bound = Math.Min(maxBytes, entry.Length);
            var buffer = new byte[bound];
            var total = 0;
            int read;
            while (total < bound && (read = stream.Read(buffer, total, (int)(bound - total))) > 0) total += read;
            // One more byte than declared or allowed means the entry lied about its size.
            if (stream.ReadByte() >= 0)
                return (null, bound < entry.Length
                    ? $"The entry is larger than the {maxBytes >> 20} MB that may still be read."
                    : "The entry expands to more than its declared size (a zip bomb?).");
            return total == buffer.Length ? (buffer, null) : (buffer[..total], null);
        }
        catch (InvalidDataException exception)
        {
            return (null, $"The zip entry is damaged: {exception.Message}");
        }
    }

    private static bool IsUnsafePath(string path) =>
        path.StartsWith('/') || path.StartsWith('\\') || path.Contains(':') ||
        path.Split('/', '\\').Any(part => part == "..");

    /// A name for messages and listings: the last path segment, without control characters, at
    /// most 200 characters. Never used as a path.
    public static string DisplayName(string fileName)
    {
        var lastSegment = fileName.Split('/', '\\').LastOrDefault(part => part.Length > 0) ?? "";
        var clean = new string(lastSegment.Where(c => !char.IsControl(c)).ToArray()).Trim();
        if (clean.Length == 0) clean = "unnamed";
        return clean.Length <= 200 ? clean : clean[..200];
    }
}
