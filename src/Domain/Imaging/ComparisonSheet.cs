using SkiaSharp;

namespace GanService.Domain.Imaging;

/// <summary>One row of a comparison sheet: a run's latest sample grid (encoded PNG/JPEG/WebP, or null) and its label.</summary>
/// <param name="SampleGrid">The encoded image, or null when the run has none yet.</param>
/// <param name="Title">The first label line, e.g. the run's grid values ("lrD=0.0001 loss=hinge").</param>
/// <param name="Detail">The second label line, e.g. status, iteration and SWD.</param>
public sealed record ComparisonEntry(byte[]? SampleGrid, string Title, string Detail);

/// <summary>
/// Sample grids of several runs stacked top to bottom, each under a two-line label, scaled to one common width, so
/// that the runs of a sweep can be compared at a glance. Pure: bytes in, PNG bytes out.
/// </summary>
public static class ComparisonSheet
{
    public const string NoSampleText = "no sample yet";
    public const string UnreadableText = "sample unreadable";

    /// <summary>The common width is the widest grid's, kept within these bounds (smaller grids are scaled up).</summary>
    public const int MinWidth = 320;
    public const int MaxWidth = 1024;

    private const int Margin = 8;
    private const float TitleSize = 15;
    private const float DetailSize = 13;
    private const int LabelHeight = 42;

    /// <summary>Renders the sheet as PNG. Rows keep the order given.</summary>
    public static byte[] Render(IReadOnlyList<ComparisonEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0) throw new ArgumentException("a comparison sheet needs at least one entry", nameof(entries));

        var images = entries.Select(e => e.SampleGrid is null ? null : SKImage.FromEncodedData(e.SampleGrid)).ToList();
        try
        {
            var widest = images.Where(i => i is not null).Select(i => i!.Width).DefaultIfEmpty(MinWidth).Max();
            var width = Math.Clamp(widest, MinWidth, MaxWidth);
            var placeholderHeight = Math.Max(48, width / 4);
            var heights = images.Select(i => i is null ? placeholderHeight : Math.Max(1, (int)Math.Round(i.Height * (double)width / i.Width))).ToList();
            var sheetWidth = width + (2 * Margin);
            var sheetHeight = Margin + heights.Sum(h => LabelHeight + h + Margin);

            using var surface = SKSurface.Create(new SKImageInfo(sheetWidth, sheetHeight, SKColorType.Rgba8888, SKAlphaType.Premul))
                ?? throw new InvalidOperationException($"Skia could not create a {sheetWidth}x{sheetHeight} surface.");
            var canvas = surface.Canvas;
            canvas.Clear(SKColors.White);
            using var titleFont = new SKFont(Fonts.Sans, TitleSize);
            using var detailFont = new SKFont(Fonts.Sans, DetailSize);
            using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
            using var grayInk = new SKPaint { Color = new SKColor(90, 90, 90), IsAntialias = true };
            using var panel = new SKPaint { Color = new SKColor(225, 225, 225) };
            var sampling = new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear);

            var top = Margin;
            for (var n = 0; n < entries.Count; n++)
            {
                canvas.DrawText(Fit(entries[n].Title, titleFont, width), Margin, top + TitleSize + 2, SKTextAlign.Left, titleFont, ink);
                canvas.DrawText(Fit(entries[n].Detail, detailFont, width), Margin, top + TitleSize + DetailSize + 10, SKTextAlign.Left, detailFont, grayInk);
                top += LabelHeight;
                var area = SKRect.Create(Margin, top, width, heights[n]);
                if (images[n] is { } image)
                {
                    canvas.DrawImage(image, area, sampling);
                }
                else
                {
                    canvas.DrawRect(area, panel);
                    var text = entries[n].SampleGrid is null ? NoSampleText : UnreadableText;
                    canvas.DrawText(text, area.MidX, area.MidY + (TitleSize / 3), SKTextAlign.Center, titleFont, grayInk);
                }
                top += heights[n] + Margin;
            }

            using var snapshot = surface.Snapshot();
            using var png = snapshot.Encode(SKEncodedImageFormat.Png, 100);
            return png.ToArray();
        }
        finally
        {
            foreach (var image in images) image?.Dispose();
        }
    }

    /// <summary>The text, cut short with an ellipsis when it is wider than <paramref name="width"/>.</summary>
    private static string Fit(string text, SKFont font, float width)
    {
        if (font.MeasureText(text) <= width) return text;
        var length = text.Length;
        while (length > 0 && font.MeasureText(text[..length] + "…") > width) length--;
        return text[..length] + "…";
    }
}
