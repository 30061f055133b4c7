using GanService.Domain.Imaging.Filters;

namespace GanService.Domain.Imaging.Simulation;

/// <summary>
/// The rendered sheet as a phone sees it on a table: scaled up to photo size, rotated by the tilt, its corners moved
/// by the perspective, on a textured table that shows around it.
/// </summary>
internal static class TableScene
{
    /// <summary>Entries of the sine table the wood grain is read from (a sine per pixel would dominate the cost).</summary>
    private const int SineSteps = 1024;

    private static readonly float[] Sine = Enumerable.Range(0, SineSteps).Select(i => (float)Math.Sin(2 * Math.PI * i / SineSteps)).ToArray();

    /// <summary>The table photo in RGB and the sheet's corners in its pixels (clockwise from top-left).</summary>
    public static (PixelImage Canvas, (double X, double Y)[] Corners) Place(PixelImage sheet, PhotoDamage damage)
    {
        var corners = Corners(sheet.Width, sheet.Height, damage, out var canvasWidth, out var canvasHeight);
        (double X, double Y)[] sheetCorners = [(0, 0), (sheet.Width, 0), (sheet.Width, sheet.Height), (0, sheet.Height)];
        var toSheet = Homography.Solve(corners, sheetCorners);

        int width = sheet.Width, height = sheet.Height;
        var source = sheet.Pixels;
        var pixels = new byte[canvasWidth * canvasHeight * 3];
        var table = new[] { (float)damage.Table.Red, (float)damage.Table.Green, (float)damage.Table.Blue };
        var grainAngle = damage.TableGrainDegrees * Math.PI / 180;
        var side = Math.Max(width, height) * damage.Scale;
        // Stripes a few percent of the sheet apart, wobbling slowly along their length, like wood or a worn desk.
        float alongX = (float)(Math.Cos(grainAngle) / (0.05 * side)), alongY = (float)(Math.Sin(grainAngle) / (0.05 * side));
        float acrossX = (float)(-Math.Sin(grainAngle) / (0.7 * side)), acrossY = (float)(Math.Cos(grainAngle) / (0.7 * side));
        var texture = (float)damage.TableTexture;
        var sample = new float[3];
        for (var y = 0; y < canvasHeight; y++)
        {
            for (var x = 0; x < canvasWidth; x++)
            {
                var (sx, sy) = toSheet.Map(x + 0.5, y + 0.5);
                // The distance to the sheet's edge, in canvas pixels: a one-pixel soft edge instead of jagged steps.
                var inside = Math.Min(Math.Min(sx, width - sx), Math.Min(sy, height - sy)) * damage.Scale;
                var coverage = (float)Math.Clamp(inside + 0.5, 0, 1);
                if (coverage > 0)
                {
                    Bilinear(source, width, height, sx - 0.5, sy - 0.5, sample);
                }

                var target = ((y * canvasWidth) + x) * 3;
                if (coverage >= 1)
                {
                    pixels[target] = Resampler.ToByte(sample[0]);
                    pixels[target + 1] = Resampler.ToByte(sample[1]);
                    pixels[target + 2] = Resampler.ToByte(sample[2]);
                    continue;
                }

                var wobble = 0.8f * Sine[(int)(((x * acrossX) + (y * acrossY)) * SineSteps) & (SineSteps - 1)];
                var stripe = Sine[(int)(((x * alongX) + (y * alongY) + wobble) * SineSteps) & (SineSteps - 1)];
                var fine = NoiseSource.Hash(x, y, damage.NoiseSeed) + NoiseSource.Hash(y, x, damage.NoiseSeed) - 1;
                var shade = 1 + (texture * ((0.7f * stripe) + (0.6f * fine)));
                var grain = 4 * fine;
                for (var c = 0; c < 3; c++)
                {
                    var tableValue = (table[c] * shade) + grain;
                    pixels[target + c] = Resampler.ToByte((coverage * sample[c]) + ((1 - coverage) * tableValue));
                }
            }
        }

        return (new PixelImage(canvasWidth, canvasHeight, 3, pixels), corners);
    }

    /// <summary>
    /// Where the sheet's corners land: the sheet scaled by <see cref="PhotoDamage.Scale"/>, corners moved by the
    /// perspective, rotated by the tilt about its centre, then shifted so the table shows a margin on every side.
    /// </summary>
    internal static (double X, double Y)[] Corners(int width, int height, PhotoDamage damage, out int canvasWidth, out int canvasHeight)
    {
        double sheetWidth = width * damage.Scale, sheetHeight = height * damage.Scale;
        var p = damage.Perspective;
        var placed = new[]
        {
            (X: -0.5 + p.TopLeft.X, Y: -0.5 + p.TopLeft.Y),
            (X: 0.5 + p.TopRight.X, Y: -0.5 + p.TopRight.Y),
            (X: 0.5 + p.BottomRight.X, Y: 0.5 + p.BottomRight.Y),
            (X: -0.5 + p.BottomLeft.X, Y: 0.5 + p.BottomLeft.Y),
        }.Select(corner =>
        {
            var angle = damage.TiltDegrees * Math.PI / 180;
            double x = corner.X * sheetWidth, y = corner.Y * sheetHeight;
            return (X: (x * Math.Cos(angle)) - (y * Math.Sin(angle)), Y: (x * Math.Sin(angle)) + (y * Math.Cos(angle)));
        }).ToArray();

        var margin = damage.Margin * Math.Max(sheetWidth, sheetHeight);
        double left = placed.Min(c => c.X) - margin, top = placed.Min(c => c.Y) - margin;
        canvasWidth = (int)Math.Ceiling(placed.Max(c => c.X) + margin - left);
        canvasHeight = (int)Math.Ceiling(placed.Max(c => c.Y) + margin - top);
        return Array.ConvertAll(placed, c => (c.X - left, c.Y - top));
    }

    /// <summary>RGB at continuous position (<paramref name="x"/>, <paramref name="y"/>) in pixel-index units, edges repeated.</summary>
    private static void Bilinear(byte[] source, int width, int height, double x, double y, float[] sample)
    {
        int x0 = (int)Math.Floor(x), y0 = (int)Math.Floor(y);
        float ax = (float)(x - x0), ay = (float)(y - y0);
        int left = Math.Clamp(x0, 0, width - 1), right = Math.Clamp(x0 + 1, 0, width - 1);
        int top = Math.Clamp(y0, 0, height - 1), bottom = Math.Clamp(y0 + 1, 0, height - 1);
        int topLeft = ((top * width) + left) * 3, topRight = ((top * width) + right) * 3;
        int bottomLeft = ((bottom * width) + left) * 3, bottomRight = ((bottom * width) + right) * 3;
        for (var c = 0; c < 3; c++)
        {
            var upper = source[topLeft + c] + ((source[topRight + c] - source[topLeft + c]) * ax);
            var lower = source[bottomLeft + c] + ((source[bottomRight + c] - source[bottomLeft + c]) * ax);
            sample[c] = upper + ((lower - upper) * ay);
        }
    }
}
