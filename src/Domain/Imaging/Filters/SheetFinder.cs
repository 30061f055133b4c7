namespace GanService.Domain.Imaging.Filters;

/// <summary>
/// Finds the outline of a photographed sheet of paper lying on a darker table: the four lines of its edges,
/// and from them its corners, which may lie outside the photo when the sheet fills the frame.
/// </summary>
/// <remarks>
/// On a luminance plane shrunk to at most <see cref="DetectionSide"/> pixels, Otsu's threshold splits dark from
/// bright; the table is the dark that is connected to the image border (ink inside the sheet is not). Where the
/// paper meets the table, the edge pixels are grouped by the direction their table lies in, one group per side of
/// the sheet, and a straight line is fitted to each, dropping outliers (a stroke touching the edge). A side with too
/// few edge pixels (outside the photo) gets a line at the same tilt through the farthest image corner, so the
/// straightened sheet still holds the whole photo. Every doubt (too little table, too little contrast, crooked
/// edges) answers <c>null</c>: a flat scan or a digital drawing must come through untouched.
/// </remarks>
internal static class SheetFinder
{
    /// <summary>Detection runs on at most this many pixels along the long side; edges are fitted to sub-pixel anyway.</summary>
    private const int DetectionSide = 320;

    /// <summary>Pictures with a shorter side are not looked at.</summary>
    private const int MinSide = 48;

    /// <summary>The table must cover at least this fraction of the photo's outermost pixels.</summary>
    private const double MinBorderTable = 0.04;

    /// <summary>
    /// The table must be at most this bright relative to the paper. Was 0.7, with paper at least half the photo: our own
    /// simulated photos (a sheet smaller in the frame, dim light, mid-grey and coloured tables) were found 97 times in
    /// 200 then and 120 now, and still none of the 928 clean drawings, flat photos and Fashion-MNIST images is.
    /// </summary>
    private const double MaxTableToPaper = 0.8;

    /// <summary>Paper (what is not table) must be at least this share of the photo.</summary>
    private const double MinPaperShare = 0.3;

    /// <summary>A side counts as seen when it has edge pixels along at least this fraction of the short side.</summary>
    private const double MinSideCoverage = 0.2;

    /// <summary>Edge pixels farther than this from their fitted line (detection pixels) are outliers.</summary>
    private const double InlierDistance = 1.5;

    /// <summary>After dropping outliers, at least this fraction of a side's edge pixels must be on the line.</summary>
    private const double MinInlierShare = 0.6;

    /// <summary>A seen side may differ from the common tilt by at most this much (perspective is mild on a photo).</summary>
    private const double MaxSideSkewDegrees = 8;

    /// <summary>
    /// The outline is drawn this far inside the fitted edge (a fraction of the short side, plus one pixel): the sheet's
    /// rim is blurred and shaded, and a dark line left along the straightened edges would pass for ink to auto-crop.
    /// </summary>
    private const double RimFraction = 0.015;

    /// <summary>Sides in the order the corners follow: top, right, bottom, left (normals pointing at the table).</summary>
    private static readonly (double X, double Y)[] SideNormals = [(0, -1), (1, 0), (0, 1), (-1, 0)];

    /// <summary>
    /// The sheet's corners in <paramref name="image"/> pixels (top-left, top-right, bottom-right, bottom-left), or null.
    /// With <paramref name="insideRim"/> the sides seen are moved inwards past the sheet's blurred, shaded rim.
    /// </summary>
    public static SheetOutline? Find(PixelImage image, bool insideRim = false)
    {
        var scale = Math.Min(1.0, (double)DetectionSide / Math.Max(image.Width, image.Height));
        var gray = new PixelImage(image.Width, image.Height, 1, Luminance.Plane(image));
        if (scale < 1)
        {
            gray = Resampler.Resize(gray, Math.Max(8, (int)Math.Round(image.Width * scale)), Math.Max(8, (int)Math.Round(image.Height * scale)));
        }

        int width = gray.Width, height = gray.Height;
        if (Math.Min(width, height) < MinSide)
        {
            return null; // a thumbnail (an icon, an MNIST digit) is no photo of a sheet
        }

        var luminance = gray.Pixels;
        var threshold = Histogram.Of(luminance).OtsuThreshold();
        var table = TableFromBorder(luminance, width, height, threshold);

        // Otsu splits the picture's dark from its bright, and paper in a hand's shadow can fall on the dark side, so the
        // flood from the border runs into the shadow and bends the sheet's edge there. The table's own levels, read
        // from that first flood (the shadow is the smaller part of it), give a tighter limit for a second one.
        if (TableLimit(luminance, table) is { } limit && limit < threshold)
        {
            table = TableFromBorder(luminance, width, height, limit);
        }
        if (HasConvincingTable(luminance, table, width, height) is not { } tableLevel)
        {
            return null;
        }

        var sides = EdgePixelsBySide(table, width, height, out var tilt);
        var lines = new EdgeLine?[4];
        for (var side = 0; side < 4; side++)
        {
            lines[side] = FitSide(sides[side], tilt, side, Math.Min(width, height), insideRim);
        }

        if (lines.All(line => line is null))
        {
            return null;
        }

        // The sides fitted tell the tilt far better than the edge pixels' coarse directions did.
        tilt = RefinedTilt(lines, tilt);
        for (var side = 0; side < 4; side++)
        {
            lines[side] ??= ThroughFarthestCorner(Rotate(SideNormals[side], tilt), width, height);
        }

        var corners = new (double X, double Y)[4];
        for (var i = 0; i < 4; i++)
        {
            // Corner i joins the side before it and side i: top-left is left ∩ top, and so on.
            if (EdgeLine.Intersect(lines[(i + 3) % 4]!.Value, lines[i]!.Value) is not { } corner)
            {
                return null;
            }

            corners[i] = (corner.X * image.Width / width, corner.Y * image.Height / height);
        }

        return new SheetOutline(corners, tilt * 180 / Math.PI, tableLevel);
    }

    /// <summary>
    /// The brightest a table pixel plausibly is: its median plus four robust deviations (σ from the median absolute
    /// deviation), or null when there is no table.
    /// </summary>
    private static int? TableLimit(byte[] luminance, bool[] table)
    {
        var levels = Histogram.Of(luminance, Array.ConvertAll(table, t => !t));
        if (levels.Total == 0)
        {
            return null;
        }

        // The median absolute deviation, read off the histogram: widen a band round the median until it holds half.
        var median = levels.Percentile(0.5);
        var mad = 0;
        while (levels.Count(Math.Max(0, median - mad), Math.Min(255, median + mad)) * 2 < levels.Total)
        {
            mad++;
        }

        return median + (int)Math.Ceiling(4 * 1.4826 * Math.Max(mad, 1));
    }

    /// <summary>Dark pixels (at or below <paramref name="threshold"/>) 4-connected to the image border.</summary>
    private static bool[] TableFromBorder(byte[] luminance, int width, int height, int threshold)
    {
        var table = new bool[width * height];
        var stack = new Stack<int>();
        void Seed(int i)
        {
            if (!table[i] && luminance[i] <= threshold)
            {
                table[i] = true;
                stack.Push(i);
            }
        }

        for (var x = 0; x < width; x++)
        {
            Seed(x);
            Seed(((height - 1) * width) + x);
        }

        for (var y = 0; y < height; y++)
        {
            Seed(y * width);
            Seed((y * width) + width - 1);
        }

        while (stack.Count > 0)
        {
            var i = stack.Pop();
            int x = i % width, y = i / width;
            if (x > 0) Seed(i - 1);
            if (x < width - 1) Seed(i + 1);
            if (y > 0) Seed(i - width);
            if (y < height - 1) Seed(i + width);
        }

        return table;
    }

    /// <summary>
    /// The table's median luminance when enough of the border is table, the table is clearly darker than the paper,
    /// and paper is a good part of the photo; otherwise null.
    /// </summary>
    private static byte? HasConvincingTable(byte[] luminance, bool[] table, int width, int height)
    {
        int border = 0, borderTable = 0;
        for (var i = 0; i < table.Length; i++)
        {
            int x = i % width, y = i / width;
            if (x == 0 || y == 0 || x == width - 1 || y == height - 1)
            {
                border++;
                borderTable += table[i] ? 1 : 0;
            }
        }

        var paper = Histogram.Of(luminance, table);
        var tableOnly = Histogram.Of(luminance, Array.ConvertAll(table, t => !t));
        var convincing = borderTable >= MinBorderTable * border
            && paper.Total >= MinPaperShare * table.Length
            && tableOnly.Percentile(0.5) <= MaxTableToPaper * paper.Percentile(0.5);
        return convincing ? (byte)tableOnly.Percentile(0.5) : null;
    }

    /// <summary>
    /// Paper pixels next to the table, sorted into the four sides by the direction of the table around them,
    /// that direction taken relative to <paramref name="tilt"/>, the sheet's common tilt (radians, within ±45°).
    /// </summary>
    private static List<(double X, double Y)>[] EdgePixelsBySide(bool[] table, int width, int height, out double tilt)
    {
        const int Reach = 3;
        var points = new List<(double X, double Y, double Angle)>();
        for (var y = 1; y < height - 1; y++)
        {
            for (var x = 1; x < width - 1; x++)
            {
                var i = (y * width) + x;
                if (table[i] || !(table[i - 1] || table[i + 1] || table[i - width] || table[i + width]))
                {
                    continue;
                }

                // The table's direction: the mean offset of table pixels in a small window.
                double nx = 0, ny = 0;
                for (var dy = -Reach; dy <= Reach; dy++)
                {
                    for (var dx = -Reach; dx <= Reach; dx++)
                    {
                        int qx = x + dx, qy = y + dy;
                        if (qx >= 0 && qy >= 0 && qx < width && qy < height && table[(qy * width) + qx])
                        {
                            nx += dx;
                            ny += dy;
                        }
                    }
                }

                if ((nx * nx) + (ny * ny) > 1)
                {
                    points.Add((x + 0.5, y + 0.5, Math.Atan2(ny, nx))); // pixel centres
                }
            }
        }

        // The sides are 90° apart: the circular mean of four times the angle is four times the common tilt.
        double s = 0, c = 0;
        foreach (var p in points)
        {
            s += Math.Sin(4 * p.Angle);
            c += Math.Cos(4 * p.Angle);
        }

        tilt = Math.Atan2(s, c) / 4;
        var sides = new List<(double X, double Y)>[] { [], [], [], [] };
        foreach (var p in points)
        {
            // Angle 0 is the right side (table to the right), −90° the top (y grows downwards).
            var quarter = (int)Math.Round((p.Angle - tilt) / (Math.PI / 2));
            var side = ((quarter % 4) + 4 + 1) % 4;
            sides[side].Add((p.X, p.Y));
        }

        return sides;
    }

    /// <summary>A line through one side's edge pixels, refitted without outliers, or null when that side is not really seen.</summary>
    private static EdgeLine? FitSide(List<(double X, double Y)> points, double tilt, int side, int shortSide, bool insideRim)
    {
        if (points.Count < MinSideCoverage * shortSide)
        {
            return null;
        }

        var normal = Rotate(SideNormals[side], tilt);
        var line = EdgeLine.Fit(points, normal);
        for (var round = 0; round < 3 && line is not null; round++)
        {
            var inliers = points.Where(p => Math.Abs(line.Value.Distance(p)) <= InlierDistance * (round == 0 ? 3 : 1)).ToList();
            if (inliers.Count < MinSideCoverage * shortSide)
            {
                return null;
            }

            line = EdgeLine.Fit(inliers, normal);
        }

        if (line is not { } fitted || points.Count(p => Math.Abs(fitted.Distance(p)) <= InlierDistance) < MinInlierShare * points.Count)
        {
            return null;
        }

        var skew = Math.Acos(Math.Clamp((fitted.Nx * normal.X) + (fitted.Ny * normal.Y), -1, 1)) * 180 / Math.PI;
        var rim = insideRim ? 1 + (RimFraction * shortSide) : 0;
        return skew <= MaxSideSkewDegrees ? fitted with { Offset = fitted.Offset - rim } : null;
    }

    /// <summary>The mean angle of the fitted sides' normals from their upright directions.</summary>
    private static double RefinedTilt(EdgeLine?[] lines, double coarse)
    {
        double s = 0, c = 0;
        for (var side = 0; side < 4; side++)
        {
            if (lines[side] is { } line)
            {
                var upright = SideNormals[side];
                var angle = Math.Atan2((upright.X * line.Ny) - (upright.Y * line.Nx), (upright.X * line.Nx) + (upright.Y * line.Ny));
                s += Math.Sin(angle);
                c += Math.Cos(angle);
            }
        }

        return c > 0 ? Math.Atan2(s, c) : coarse;
    }

    /// <summary>The line with outward normal <paramref name="normal"/> that just holds all four image corners inside.</summary>
    private static EdgeLine ThroughFarthestCorner((double X, double Y) normal, int width, int height)
    {
        var offset = new[] { (0.0, 0.0), (width, 0.0), (width, (double)height), (0.0, (double)height) }
            .Max(corner => (corner.Item1 * normal.X) + (corner.Item2 * normal.Y));
        return new EdgeLine(normal.X, normal.Y, offset);
    }

    private static (double X, double Y) Rotate((double X, double Y) v, double angle) =>
        ((v.X * Math.Cos(angle)) - (v.Y * Math.Sin(angle)), (v.X * Math.Sin(angle)) + (v.Y * Math.Cos(angle)));
}

/// <summary>
/// A sheet's corners (top-left, top-right, bottom-right, bottom-left, image pixels), its tilt in degrees, and the
/// table's median luminance.
/// </summary>
internal sealed record SheetOutline((double X, double Y)[] Corners, double TiltDegrees, byte TableLevel);
