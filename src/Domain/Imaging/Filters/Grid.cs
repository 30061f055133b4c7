namespace GanService.Domain.Imaging.Filters;

/// <summary>A small float raster: the coarse maps (paper background, table mask) live at this resolution.</summary>
internal sealed class Grid
{
    public Grid(int width, int height)
        : this(width, height, new float[width * height])
    {
    }

    public Grid(int width, int height, float[] values)
    {
        Width = width;
        Height = height;
        Values = values;
    }

    public int Width { get; }

    public int Height { get; }

    public float[] Values { get; }

    public float this[int x, int y]
    {
        get => Values[(y * Width) + x];
        set => Values[(y * Width) + x] = value;
    }

    /// <summary>Channel <paramref name="channel"/> of an interleaved image as a grid.</summary>
    public static Grid FromChannel(PixelImage image, int channel)
    {
        var grid = new Grid(image.Width, image.Height);
        for (int i = 0, s = channel; i < grid.Values.Length; i++, s += image.Channels)
        {
            grid.Values[i] = image.Pixels[s];
        }

        return grid;
    }

    /// <summary>Grayscale dilation (maximum) over a (2r+1)² square; separable, so cheap.</summary>
    public Grid Dilate(int radius) => SlidingExtreme(radius, maximum: true);

    /// <summary>Grayscale erosion (minimum) over a (2r+1)² square.</summary>
    public Grid Erode(int radius) => SlidingExtreme(radius, maximum: false);

    /// <summary>
    /// Morphological closing: removes dark features narrower than 2r+1 cells while keeping
    /// the position of bright-to-dark steps, such as the edge of a shadow.
    /// </summary>
    public Grid Close(int radius) => Dilate(radius).Erode(radius);

    /// <summary>Mean over a (2r+1)² square, the window shrinking at the edges.</summary>
    public Grid BoxBlur(int radius)
    {
        var horizontal = Pass(this, radius, alongX: true);
        return Pass(horizontal, radius, alongX: false);

        static Grid Pass(Grid source, int radius, bool alongX)
        {
            var result = new Grid(source.Width, source.Height);
            for (var y = 0; y < source.Height; y++)
            {
                for (var x = 0; x < source.Width; x++)
                {
                    var (from, to) = alongX
                        ? (Math.Max(0, x - radius), Math.Min(source.Width - 1, x + radius))
                        : (Math.Max(0, y - radius), Math.Min(source.Height - 1, y + radius));
                    var sum = 0f;
                    for (var i = from; i <= to; i++)
                    {
                        sum += alongX ? source[i, y] : source[x, i];
                    }

                    result[x, y] = sum / (to - from + 1);
                }
            }

            return result;
        }
    }

    private Grid SlidingExtreme(int radius, bool maximum)
    {
        var horizontal = new Grid(Width, Height);
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                var extreme = this[x, y];
                for (var i = Math.Max(0, x - radius); i <= Math.Min(Width - 1, x + radius); i++)
                {
                    extreme = maximum ? Math.Max(extreme, this[i, y]) : Math.Min(extreme, this[i, y]);
                }

                horizontal[x, y] = extreme;
            }
        }

        var result = new Grid(Width, Height);
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                var extreme = horizontal[x, y];
                for (var i = Math.Max(0, y - radius); i <= Math.Min(Height - 1, y + radius); i++)
                {
                    extreme = maximum ? Math.Max(extreme, horizontal[x, i]) : Math.Min(extreme, horizontal[x, i]);
                }

                result[x, y] = extreme;
            }
        }

        return result;
    }
}
