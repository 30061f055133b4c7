namespace GanService.Domain.Imaging.Filters;

/// <summary>
/// The table (or whatever lies beyond the sheet) around a photographed sheet of paper, described per image
/// side as how deep it reaches in from that edge at each position along it.
/// </summary>
/// <remarks>
/// Along every edge, count how many pixels inwards stay much darker than the paper lighting. A tilted sheet
/// leaves wedges whose depth changes steadily along the edge, so a running median over a stretch of the edge
/// keeps them, tapering ends included, while a stroke that happens to touch the edge is only a short blip and
/// drops out. A few pixels more cover the blurred, shaded rim of the sheet.
/// </remarks>
internal sealed class TableMask
{
    /// <summary>Pixels below this fraction of the paper under them are table candidates (a table is far darker than shade).</summary>
    private const float DarkerThanPaper = 0.75f;

    /// <summary>Running-median window along an edge, as a fraction of that edge; strokes touching the edge are shorter.</summary>
    private const float EdgeWindowFraction = 0.15f;

    /// <summary>Extra depth for the sheet's soft, shadowed rim, as a fraction of the short side (plus one pixel).</summary>
    private const float RimFraction = 0.015f;

    private readonly int[] left;
    private readonly int[] right;
    private readonly int[] top;
    private readonly int[] bottom;

    private TableMask(int width, int height, int[] left, int[] right, int[] top, int[] bottom)
    {
        Width = width;
        Height = height;
        this.left = left;
        this.right = right;
        this.top = top;
        this.bottom = bottom;
        IsEmpty = left.All(d => d == 0) && right.All(d => d == 0) && top.All(d => d == 0) && bottom.All(d => d == 0);
    }

    public int Width { get; }

    public int Height { get; }

    public bool IsEmpty { get; }

    /// <summary>Finds the table in <paramref name="image"/>, given the paper lighting estimated on it.</summary>
    public static TableMask Find(PixelImage image, PaperBackground background)
    {
        int width = image.Width, height = image.Height;
        var luminance = Luminance.Plane(image);

        // Evaluated only where the walk inwards from an edge gets to, which is rarely far.
        bool IsDark(int x, int y) => luminance[(y * width) + x] < DarkerThanPaper * background.LuminanceAt(x, y);

        var rim = 1 + (int)(RimFraction * Math.Min(width, height));
        return new TableMask(
            width,
            height,
            left: Depths(height, width, (y, depth) => IsDark(depth, y), rim),
            right: Depths(height, width, (y, depth) => IsDark(width - 1 - depth, y), rim),
            top: Depths(width, height, (x, depth) => IsDark(x, depth), rim),
            bottom: Depths(width, height, (x, depth) => IsDark(x, height - 1 - depth), rim));
    }

    public bool Contains(int x, int y) =>
        x < left[y] || x >= Width - right[y] || y < top[x] || y >= Height - bottom[x];

    /// <summary>The share of the picture's outermost pixels that are table.</summary>
    public double BorderShare()
    {
        var onBorder = left.Count(d => d > 0) + right.Count(d => d > 0) + top.Count(d => d > 0) + bottom.Count(d => d > 0);
        return onBorder / (2.0 * (Width + Height));
    }

    /// <summary>Per pixel: inside the table?</summary>
    public bool[] ToPixels()
    {
        var pixels = new bool[Width * Height];
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                pixels[(y * Width) + x] = Contains(x, y);
            }
        }

        return pixels;
    }

    /// <summary>Smoothed table depth at each position along one edge.</summary>
    private static int[] Depths(int length, int depthLimit, Func<int, int, bool> isDark, int rim)
    {
        var runs = new int[length];
        for (var position = 0; position < length; position++)
        {
            var depth = 0;
            while (depth < depthLimit && isDark(position, depth))
            {
                depth++;
            }

            runs[position] = depth;
        }

        var halfWindow = (int)(EdgeWindowFraction * length / 2);
        var window = new List<int>((2 * halfWindow) + 1);
        var medians = new int[length];
        for (var position = 0; position < length; position++)
        {
            window.Clear();
            for (var i = Math.Max(0, position - halfWindow); i <= Math.Min(length - 1, position + halfWindow); i++)
            {
                window.Add(runs[i]);
            }

            window.Sort();
            medians[position] = window[window.Count / 2];
        }

        // The median loses the last half-window of a tapering wedge (its thin tip); reach that far along the edge again.
        var depths = new int[length];
        for (var position = 0; position < length; position++)
        {
            var deepest = 0;
            for (var i = Math.Max(0, position - halfWindow); i <= Math.Min(length - 1, position + halfWindow); i++)
            {
                deepest = Math.Max(deepest, medians[i]);
            }

            depths[position] = deepest == 0 ? 0 : Math.Min(depthLimit, Math.Max(deepest, runs[position]) + rim);
        }

        return depths;
    }
}
