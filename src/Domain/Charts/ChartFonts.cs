using ScottPlot;
using SkiaSharp;

namespace GanService.Domain.Charts;

/// <summary>
/// Teaches ScottPlot the embedded DejaVu Sans. ScottPlot finds fonts through <see cref="ScottPlot.Fonts.FontResolvers"/>
/// and otherwise asks the system font manager, which the Skia build without dependencies (no fontconfig) leaves empty,
/// so labels would come out blank. <c>Fonts.AddFontFile</c> wants a path; this resolver serves the bytes in memory.
/// </summary>
internal sealed class ChartFonts : IFontResolver
{
    private static readonly Lazy<bool> Registered = new(() =>
    {
        ScottPlot.Fonts.FontResolvers.Add(new ChartFonts());
        // Plottables that never get a font name set (added later, or by ScottPlot itself) fall back to this one.
        ScottPlot.Fonts.Default = Imaging.Fonts.FamilyName;
        return true;
    });

    /// <summary>Registers once per process; ScottPlot's resolver list is global.</summary>
    public static void EnsureRegistered() => _ = Registered.Value;

    public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) => Create(fontName);

    public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing spacing) => Create(fontName);

    /// <summary>
    /// A new typeface each time, as the interface asks (ScottPlot caches and may dispose what it gets). One weight
    /// only: bold titles come out regular, which beats falling through to a system font that is not there.
    /// </summary>
    private static SKTypeface? Create(string fontName) =>
        string.Equals(fontName, Imaging.Fonts.FamilyName, StringComparison.OrdinalIgnoreCase)
            ? SKTypeface.FromData(SKData.CreateCopy(Imaging.Fonts.SansTrueType.Span))
            : null;
}
