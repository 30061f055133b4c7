using System.Buffers.Binary;

namespace GanService.Domain.Imaging;

public enum UploadFormat { Unknown, Png, Jpeg, WebP, Gif, Zip }

/// What the first bytes of a file say, read before any decoder sees it.
public sealed record ImageHeader(UploadFormat Format, int Width, int Height, bool IsAnimated);

/// Sniffs the format from magic bytes (never from the file name) and reads the image size and
/// animation flags from the header, so that oversized or animated files are refused before decoding.
public static class ImageHeaderReader
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private static ReadOnlySpan<byte> JpegStart => [0xFF, 0xD8, 0xFF];
    private static ReadOnlySpan<byte> ZipLocalFile => [(byte)'P', (byte)'K', 0x03, 0x04];
    private static ReadOnlySpan<byte> ZipEmptyArchive => [(byte)'P', (byte)'K', 0x05, 0x06];

    public static UploadFormat SniffFormat(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith(PngSignature)) return UploadFormat.Png;
        if (data.StartsWith(JpegStart)) return UploadFormat.Jpeg;
        if (data.Length >= 12 && data.StartsWith("RIFF"u8) && data[8..12].SequenceEqual("WEBP"u8)) return UploadFormat.WebP;
        if (data.StartsWith("GIF87a"u8) || data.StartsWith("GIF89a"u8)) return UploadFormat.Gif;
        // Local file header, or the end-of-central-directory record of an empty archive.
        if (data.StartsWith(ZipLocalFile) || data.StartsWith(ZipEmptyArchive)) return UploadFormat.Zip;
        return UploadFormat.Unknown;
    }

    /// Null when the header is missing or malformed.
    public static ImageHeader? Read(ReadOnlySpan<byte> data) => SniffFormat(data) switch
    {
        UploadFormat.Png => ReadPng(data),
        UploadFormat.Jpeg => ReadJpeg(data),
        UploadFormat.WebP => ReadWebP(data),
        UploadFormat.Gif => ReadGif(data),
        var other => new ImageHeader(other, 0, 0, false),
    };

    private static ImageHeader? ReadPng(ReadOnlySpan<byte> data)
    {
        // Signature (8), then chunks: length (4, BE), type (4), data, CRC (4). IHDR comes first.
        const int firstChunk = 8;
        if (data.Length < firstChunk + 8 + 13 || !data.Slice(firstChunk + 4, 4).SequenceEqual("IHDR"u8)) return null;
        var width = BinaryPrimitives.ReadUInt32BigEndian(data.Slice(firstChunk + 8, 4));
        var height = BinaryPrimitives.ReadUInt32BigEndian(data.Slice(firstChunk + 12, 4));
        if (width is 0 or > int.MaxValue || height is 0 or > int.MaxValue) return null;

        // An APNG announces itself with an acTL chunk before the first IDAT.
        var animated = false;
        var offset = firstChunk;
        while (offset + 8 <= data.Length)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(data.Slice(offset, 4));
            var type = data.Slice(offset + 4, 4);
            if (type.SequenceEqual("acTL"u8)) { animated = true; break; }
            if (type.SequenceEqual("IDAT"u8) || length > int.MaxValue - 12) break;
            offset += 12 + (int)length;
        }
        return new ImageHeader(UploadFormat.Png, (int)width, (int)height, animated);
    }

    private static ImageHeader? ReadJpeg(ReadOnlySpan<byte> data)
    {
        // Walk the marker segments up to the first start-of-frame, which holds the size.
        var offset = 2;
        while (offset + 4 <= data.Length)
        {
            if (data[offset] != 0xFF) return null;
            var marker = data[offset + 1];
            if (marker == 0xFF) { offset++; continue; }                     // fill byte
            if (marker is 0xD8 or 0x01 or (>= 0xD0 and <= 0xD7)) { offset += 2; continue; } // no length
            var length = BinaryPrimitives.ReadUInt16BigEndian(data.Slice(offset + 2, 2));
            if (length < 2) return null;
            var isStartOfFrame = marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC;
            if (isStartOfFrame)
            {
                if (offset + 9 > data.Length) return null;
                var height = BinaryPrimitives.ReadUInt16BigEndian(data.Slice(offset + 5, 2));
                var width = BinaryPrimitives.ReadUInt16BigEndian(data.Slice(offset + 7, 2));
                return width == 0 || height == 0 ? null : new ImageHeader(UploadFormat.Jpeg, width, height, false);
            }
            if (marker is 0xDA or 0xD9) return null; // scan data or end before any frame header
            offset += 2 + length;
        }
        return null;
    }

    private static ImageHeader? ReadWebP(ReadOnlySpan<byte> data)
    {
        if (data.Length < 30) return null;
        var chunk = data.Slice(12, 4);
        if (chunk.SequenceEqual("VP8X"u8))
        {
            const byte animationFlag = 0x02;
            var animated = (data[20] & animationFlag) != 0;
            var width = 1 + (data[24] | data[25] << 8 | data[26] << 16);
            var height = 1 + (data[27] | data[28] << 8 | data[29] << 16);
            return new ImageHeader(UploadFormat.WebP, width, height, animated);
        }
        if (chunk.SequenceEqual("VP8 "u8))
        {
            // Frame tag (3 bytes), start code 9D 01 2A, then 14-bit width and height.
            if (data[23] != 0x9D || data[24] != 0x01 || data[25] != 0x2A) return null;
            var width = BinaryPrimitives.ReadUInt16LittleEndian(data.Slice(26, 2)) & 0x3FFF;
            var height = BinaryPrimitives.ReadUInt16LittleEndian(data.Slice(28, 2)) & 0x3FFF;
            return width == 0 || height == 0 ? null : new ImageHeader(UploadFormat.WebP, width, height, false);
        }
        if (chunk.SequenceEqual("VP8L"u8))
        {
            // Signature 0x2F, then 14 bits width-1 and 14 bits height-1, little-endian bit order.
            if (data[20] != 0x2F) return null;
            var bits = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(21, 4));
            var width = 1 + (int)(bits & 0x3FFF);
            var height = 1 + (int)((bits >> 14) & 0x3FFF);
            return new ImageHeader(UploadFormat.WebP, width, height, false);
        }
        return null;
    }

    private static ImageHeader? ReadGif(ReadOnlySpan<byte> data) =>
        data.Length < 10 ? null : new ImageHeader(UploadFormat.Gif,
            BinaryPrimitives.ReadUInt16LittleEndian(data.Slice(6, 2)),
            BinaryPrimitives.ReadUInt16LittleEndian(data.Slice(8, 2)),
            IsAnimated: false);
}
