namespace GanService.Domain.Imaging.Filters;

/// <summary>
/// A plane-to-plane perspective transform (3×3, h₂₂ = 1), solved from four point pairs, and a bilinear warp by it.
/// Coordinates are continuous: pixel (x, y) covers [x, x+1) × [y, y+1), its centre at (x+½, y+½).
/// </summary>
internal sealed class Homography
{
    private readonly double[] h;

    private Homography(double[] h) => this.h = h;

    /// <summary>The transform taking the rectangle [0,w]×[0,h] (corners clockwise from top-left) to <paramref name="corners"/>.</summary>
    public static Homography FromCorners(int width, int height, IReadOnlyList<(double X, double Y)> corners)
    {
        (double X, double Y)[] rectangle = [(0, 0), (width, 0), (width, height), (0, height)];
        return Solve(rectangle, corners);
    }

    /// <summary>The transform taking each <paramref name="from"/> point to the <paramref name="to"/> point of the same index.</summary>
    public static Homography Solve(IReadOnlyList<(double X, double Y)> from, IReadOnlyList<(double X, double Y)> to)
    {
        if (from.Count != 4 || to.Count != 4)
        {
            throw new ArgumentException("a homography needs exactly four point pairs");
        }

        // x' = (h0 x + h1 y + h2) / (h6 x + h7 y + 1), y' likewise with h3..h5: two linear equations per pair.
        var a = new double[8, 9];
        for (var i = 0; i < 4; i++)
        {
            var (x, y) = from[i];
            var (u, v) = to[i];
            double[] rowU = [x, y, 1, 0, 0, 0, -u * x, -u * y, u];
            double[] rowV = [0, 0, 0, x, y, 1, -v * x, -v * y, v];
            for (var j = 0; j < 9; j++)
            {
                a[2 * i, j] = rowU[j];
                a[(2 * i) + 1, j] = rowV[j];
            }
        }

        // Gaussian elimination with partial pivoting; 8 unknowns, so no need for anything cleverer.
        for (var column = 0; column < 8; column++)
        {
            var pivot = column;
            for (var row = column + 1; row < 8; row++)
            {
                if (Math.Abs(a[row, column]) > Math.Abs(a[pivot, column]))
                {
                    pivot = row;
                }
            }

            if (Math.Abs(a[pivot, column]) < 1e-12)
            {
                throw new ArgumentException("degenerate points: three of them are on one line");
            }

            for (var j = 0; j < 9; j++)
            {
                (a[column, j], a[pivot, j]) = (a[pivot, j], a[column, j]);
            }

            for (var row = 0; row < 8; row++)
            {
                if (row == column)
                {
                    continue;
                }

                var factor = a[row, column] / a[column, column];
                for (var j = column; j < 9; j++)
                {
                    a[row, j] -= factor * a[column, j];
                }
            }
        }

        var h = new double[9];
        for (var i = 0; i < 8; i++)
        {
            h[i] = a[i, 8] / a[i, i];
        }

        h[8] = 1;
        return new Homography(h);
    }

    public (double X, double Y) Map(double x, double y)
    {
        var w = (h[6] * x) + (h[7] * y) + h[8];
        return (((h[0] * x) + (h[1] * y) + h[2]) / w, ((h[3] * x) + (h[4] * y) + h[5]) / w);
    }

    /// <summary>
    /// A <paramref name="width"/>×<paramref name="height"/> image whose every pixel is <paramref name="source"/> sampled
    /// bilinearly where <paramref name="toSource"/> takes its centre; outside the source counts as <paramref name="fill"/>.
    /// </summary>
    public static PixelImage Warp(PixelImage source, Homography toSource, int width, int height, ReadOnlySpan<byte> fill)
    {
        int channels = source.Channels, sourceWidth = source.Width, sourceHeight = source.Height;
        var pixels = new byte[width * height * channels];
        var sample = new float[channels];
        var outside = fill.ToArray();
        var from = source.Pixels;
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var (sx, sy) = toSource.Map(x + 0.5, y + 0.5);
                double fx = sx - 0.5, fy = sy - 0.5;
                int x0 = (int)Math.Floor(fx), y0 = (int)Math.Floor(fy);
                float ax = (float)(fx - x0), ay = (float)(fy - y0);
                Array.Clear(sample);
                for (var corner = 0; corner < 4; corner++)
                {
                    int px = x0 + (corner & 1), py = y0 + (corner >> 1);
                    var weight = ((corner & 1) == 1 ? ax : 1 - ax) * ((corner >> 1) == 1 ? ay : 1 - ay);
                    var inside = px >= 0 && py >= 0 && px < sourceWidth && py < sourceHeight;
                    var offset = ((py * sourceWidth) + px) * channels;
                    for (var c = 0; c < channels; c++)
                    {
                        sample[c] += weight * (inside ? from[offset + c] : outside[c]);
                    }
                }

                var target = ((y * width) + x) * channels;
                for (var c = 0; c < channels; c++)
                {
                    pixels[target + c] = Resampler.ToByte(sample[c]);
                }
            }
        }

        return new PixelImage(width, height, channels, pixels);
    }
}
