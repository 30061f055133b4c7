namespace GanService.Domain.Imaging.Filters;

/// <summary>
/// Straightens a photographed sheet: the outline <see cref="SheetFinder"/> found is warped to an upright rectangle
/// by the perspective transform of its four corners. Anything doubtful returns the image itself, untouched.
/// </summary>
internal static class SheetStraightener
{
    /// <summary>Below this tilt of every side the sheet counts as upright: auto-crop handles a mere shift.</summary>
    private const double MinCorrectionDegrees = 0.5;

    /// <summary>A straightened sheet's corners are right angles within this much (else the outline is not a sheet).</summary>
    private const double MaxCornerDeviationDegrees = 12;

    /// <summary>The sheet may reach past the photo (sides outside it), but not absurdly so.</summary>
    private const double MaxSideToImage = 1.6;

    /// <summary>The straightened image, or <paramref name="image"/> itself when no tilted sheet was found with confidence.</summary>
    public static PixelImage Apply(PixelImage image) => Apply(image, out _);

    /// <summary>
    /// As <see cref="Apply(PixelImage)"/>; <paramref name="sheetFound"/> says whether a bright sheet on a darker table was
    /// seen at all, tilted or not: then the picture is a photo of paper, whatever share of it the table takes.
    /// </summary>
    public static PixelImage Apply(PixelImage image, out bool sheetFound)
    {
        var outline = SheetFinder.Find(image, insideRim: true);
        sheetFound = outline is not null;
        if (outline is null || !IsPlausible(outline.Corners, image.Width, image.Height))
        {
            return image;
        }

        var c = outline.Corners;
        var width = (int)Math.Round((Distance(c[0], c[1]) + Distance(c[3], c[2])) / 2);
        var height = (int)Math.Round((Distance(c[0], c[3]) + Distance(c[1], c[2])) / 2);
        var toSource = Homography.FromCorners(width, height, c);
        
        // What lay outside the photo is filled with the table's colour, so it joins any table left inside the outline
        // (a side too short to fit was placed past it) and the table mask later paints it all as one border.
        var fill = Enumerable.Repeat(outline.TableLevel, image.Channels).ToArray();
        return Homography.Warp(image, toSource, width, height, fill);
    }

    private static bool IsPlausible((double X, double Y)[] corners, int width, int height)
    {
        var maxTilt = 0.0;
        for (var i = 0; i < 4; i++)
        {
            var (a, b, next) = (corners[i], corners[(i + 1) % 4], corners[(i + 2) % 4]);
            double ux = b.X - a.X, uy = b.Y - a.Y, vx = next.X - b.X, vy = next.Y - b.Y;
            var length = Math.Sqrt((ux * ux) + (uy * uy));
            if (length < 0.3 * Math.Min(width, height) || length > MaxSideToImage * Math.Max(width, height))
            {
                return false;
            }

            // Clockwise in image coordinates (y down) means a positive cross product at every corner: convex.
            var cross = (ux * vy) - (uy * vx);
            var cornerAngle = Math.Atan2(cross, (ux * vx) + (uy * vy)) * 180 / Math.PI;
            if (cross <= 0 || Math.Abs(cornerAngle - 90) > MaxCornerDeviationDegrees)
            {
                return false;
            }

            // Each side's tilt from its axis (sides alternate horizontal, vertical).
            var tilt = Math.Asin(Math.Abs(i % 2 == 0 ? uy : ux) / length) * 180 / Math.PI;
            maxTilt = Math.Max(maxTilt, tilt);
        }

        return maxTilt >= MinCorrectionDegrees;
    }

    private static double Distance((double X, double Y) a, (double X, double Y) b) =>
        Math.Sqrt(((a.X - b.X) * (a.X - b.X)) + ((a.Y - b.Y) * (a.Y - b.Y)));
}
