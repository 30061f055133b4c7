namespace GanService.Domain.Imaging.Filters;

/// <summary>Where the drawing is: the bounding box of the strokes, ignoring isolated specks of grain.</summary>
internal static class InkBounds
{
    /// <summary>Space kept around the drawing, as a fraction of its longer side.</summary>
    private const float MarginFraction = 0.08f;

    /// <summary>
    /// The box around every ink pixel (darker than <paramref name="inkBelow"/>, not ignored) that has at least
    /// two ink neighbours (a lone speck or a pair is noise, any stroke has more), grown by the margin.
    /// Null when there is no ink at all.
    /// </summary>
    public static PixelRect? Find(ReadOnlySpan<byte> luminance, int width, int height, byte inkBelow, ReadOnlySpan<bool> ignore)
    {
        var ink = new InkTest(luminance, width, height, inkBelow, ignore);

        // Scan inwards from each side and stop at the first stroke: usually only a band of paper is read.
        var top = 0;
        while (top < height && !ink.InRow(top, 0, width))
        {
            top++;
        }

        if (top == height)
        {
            return null;
        }

        var bottom = height - 1;
        while (!ink.InRow(bottom, 0, width))
        {
            bottom--;
        }

        var left = 0;
        while (!ink.InColumn(left, top, bottom + 1))
        {
            left++;
        }

        var right = width - 1;
        while (!ink.InColumn(right, top, bottom + 1))
        {
            right--;
        }

        int inkWidth = right - left + 1, inkHeight = bottom - top + 1;
        var margin = (int)Math.Ceiling(MarginFraction * Math.Max(inkWidth, inkHeight));
        return new PixelRect(left - margin, top - margin, inkWidth + (2 * margin), inkHeight + (2 * margin));
    }

    private readonly ref struct InkTest(ReadOnlySpan<byte> luminance, int width, int height, byte inkBelow, ReadOnlySpan<bool> ignore)
    {
        private readonly ReadOnlySpan<byte> luminance = luminance;
        private readonly ReadOnlySpan<bool> ignore = ignore;

        public bool InRow(int y, int fromX, int toX)
        {
            for (var x = fromX; x < toX; x++)
            {
                if (IsStroke(x, y))
                {
                    return true;
                }
            }

            return false;
        }

        public bool InColumn(int x, int fromY, int toY)
        {
            for (var y = fromY; y < toY; y++)
            {
                if (IsStroke(x, y))
                {
                    return true;
                }
            }

            return false;
        }

        private bool IsStroke(int x, int y)
        {
            var i = (y * width) + x;
            if (luminance[i] >= inkBelow || (!ignore.IsEmpty && ignore[i]))
            {
                return false;
            }

            var neighbours = 0;
            for (var ny = Math.Max(0, y - 1); ny <= Math.Min(height - 1, y + 1); ny++)
            {
                for (var nx = Math.Max(0, x - 1); nx <= Math.Min(width - 1, x + 1); nx++)
                {
                    if ((nx != x || ny != y) && luminance[(ny * width) + nx] < inkBelow)
                    {
                        neighbours++;
                    }
                }
            }

            return neighbours >= 2;
        }
    }
}
