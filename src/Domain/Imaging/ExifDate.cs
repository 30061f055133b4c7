using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace GanService.Domain.Imaging;

/// <summary>
/// The date a photo was taken: EXIF DateTimeOriginal (tag 0x9003 in the Exif IFD) from a JPEG's APP1 segment or a
/// PNG's eXIf chunk, read before re-encoding strips it. The camera's wall-clock time, as EXIF has no zone. Reads only
/// within the bytes it was given, so a damaged or hostile header yields null, never an exception.
/// </summary>
public static class ExifDate
{
    private const ushort ExifIfdPointer = 0x8769;
    private const ushort DateTimeOriginal = 0x9003;

    public static DateTime? Read(ReadOnlySpan<byte> file)
    {
        try
        {
            var tiff = FindTiff(file);
            return tiff.IsEmpty ? null : FromTiff(tiff);
        }
        catch (ArgumentOutOfRangeException)
        {
            return null; // an offset past the end: damaged
        }
    }

    /// <summary>A zip entry's timestamp: DOS time has no zone either; the zero date (1980) means none was stored.</summary>
    public static DateTime? FromZipEntry(DateTimeOffset lastWrite) =>
        lastWrite.Year <= 1980 ? null : DateTime.SpecifyKind(lastWrite.DateTime, DateTimeKind.Unspecified);

    private static ReadOnlySpan<byte> FindTiff(ReadOnlySpan<byte> file)
    {
        if (file.Length > 4 && file[0] == 0xFF && file[1] == 0xD8) // JPEG: markers until the scan starts
        {
            var at = 2;
            while (at + 4 <= file.Length && file[at] == 0xFF)
            {
                var marker = file[at + 1];
                if (marker is 0xDA or 0xD9) break; // start of scan, end of image
                var length = BinaryPrimitives.ReadUInt16BigEndian(file[(at + 2)..]);
                if (length < 2 || at + 2 + length > file.Length) break;
                var segment = file.Slice(at + 4, length - 2);
                if (marker == 0xE1 && segment.StartsWith("Exif\0\0"u8)) return segment[6..];
                at += 2 + length;
            }
            return [];
        }
        if (file.StartsWith(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A })) // PNG: chunks
        {
            var at = 8;
            while (at + 12 <= file.Length)
            {
                var length = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(file[at..]), int.MaxValue);
                if (length > file.Length - at - 12) break;
                var type = file.Slice(at + 4, 4);
                if (type.SequenceEqual("eXIf"u8)) return file.Slice(at + 8, length);
                if (type.SequenceEqual("IDAT"u8)) break;
                at += 12 + length;
            }
        }
        return [];
    }

    private static DateTime? FromTiff(ReadOnlySpan<byte> tiff)
    {
        if (tiff.Length < 8) return null;
        var little = tiff[0] == (byte)'I' && tiff[1] == (byte)'I';
        if (!little && !(tiff[0] == (byte)'M' && tiff[1] == (byte)'M')) return null;
        var exif = FindEntry(tiff, little, U32(tiff, 4, little), ExifIfdPointer);
        if (exif is not { } pointer) return null;
        var date = FindEntry(tiff, little, U32(tiff, pointer.Offset + 8, little), DateTimeOriginal);
        if (date is not { } entry || entry.Count < 19) return null;
        // ASCII "YYYY:MM:DD HH:MM:SS" (20 bytes with the NUL): longer than 4 bytes, so the entry holds its offset.
        var text = Encoding.ASCII.GetString(tiff.Slice((int)U32(tiff, entry.Offset + 8, little), 19));
        return DateTime.TryParseExact(text, "yyyy:MM:dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var taken) ? taken : null;
    }

    /// <summary>The 12-byte entry of <paramref name="tag"/> in the IFD at <paramref name="ifd"/>: its position and count.</summary>
    private static (int Offset, uint Count)? FindEntry(ReadOnlySpan<byte> tiff, bool little, uint ifd, ushort tag)
    {
        if (ifd + 2 > tiff.Length) return null;
        var count = U16(tiff, (int)ifd, little);
        for (var i = 0; i < count; i++)
        {
            var entry = (int)ifd + 2 + 12 * i;
            if (entry + 12 > tiff.Length) return null;
            if (U16(tiff, entry, little) == tag) return (entry, U32(tiff, entry + 4, little));
        }
        return null;
    }

    private static ushort U16(ReadOnlySpan<byte> b, int at, bool little) =>
        little ? BinaryPrimitives.ReadUInt16LittleEndian(b[at..]) : BinaryPrimitives.ReadUInt16BigEndian(b[at..]);

    private static uint U32(ReadOnlySpan<byte> b, int at, bool little) =>
        little ? BinaryPrimitives.ReadUInt32LittleEndian(b[at..]) : BinaryPrimitives.ReadUInt32BigEndian(b[at..]);
}
