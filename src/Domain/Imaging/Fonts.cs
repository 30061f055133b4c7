using SkiaSharp;

namespace GanService.Domain.Imaging;

/// <summary>
/// The one font the service draws text with (DejaVu Sans, embedded; licence next to it in Imaging/Fonts). The Skia
/// build without dependencies has no fontconfig, so <see cref="SKTypeface.Default"/> may draw nothing on a server.
/// </summary>
public static class Fonts
{
    public const string FamilyName = "DejaVu Sans";

    private static readonly Lazy<byte[]> SansBytes = new(() =>
    {
        using var stream = typeof(Fonts).Assembly.GetManifestResourceStream("GanService.Fonts.DejaVuSans.ttf")
            ?? throw new InvalidOperationException("The embedded font GanService.Fonts.DejaVuSans.ttf is missing.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    private static readonly Lazy<SKTypeface> SansTypeface = new(() =>
        SKTypeface.FromData(SKData.CreateCopy(SansBytes.Value)) ?? throw new InvalidOperationException("Skia could not read the embedded font."));

    /// <summary>DejaVu Sans as a Skia typeface (shared; do not dispose).</summary>
    public static SKTypeface Sans => SansTypeface.Value;

    /// <summary>The TrueType bytes, for libraries that register fonts themselves (ScottPlot).</summary>
    public static ReadOnlyMemory<byte> SansTrueType => SansBytes.Value;
}
