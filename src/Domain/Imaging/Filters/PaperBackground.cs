namespace GanService.Domain.Imaging.Filters;

/// <summary>
/// What the paper alone would look like under the photo's lighting, one coarse grid per channel.
/// Dividing by it removes tint, shadows and vignetting while leaving the strokes (<see cref="Flatten"/>).
/// </summary>
/// <remarks>
/// Estimated in three steps on cell averages (about 40 cells across the short side):
/// a closing fills in the strokes with the surrounding paper, keeping shadow edges where they are;
/// a plane fitted to the paper-like cells gives the overall lighting trend, and cells far darker
/// than it (solid areas wider than the closing, a broad strip of table) fade over to the trend;
/// a light blur hides the cell structure.
/// </remarks>
internal sealed class PaperBackground
{
    private const int CellsAcrossShortSide = 40;

    /// <summary>Closing radius as a fraction of the short side: fills ink areas up to about a quarter of the image.</summary>
    private const float StrokeFillFraction = 0.12f;

    /// <summary>
    /// Cells up to this much (a fraction) darker than the lighting trend are taken as paper in shade; from there to
    /// <see cref="CertainlyNotPaper"/> they fade over to the trend, being increasingly likely ink or table.
    /// </summary>
    /// <remarks>
    /// Was 0.2 to 0.35: a light grey fill wider than the closing is only 15–25 % darker than the paper in a photo,
    /// so it passed as shade and was divided out to white (a peach, a pear, a book cover). The shadows and vignetting
    /// the clean-up must remove are broad and smooth, which the trend follows, so they rarely fall that far below it.
    /// </remarks>
    private const float StillPaper = 0.1f;

    private const float CertainlyNotPaper = 0.2f;

    /// <summary>
    /// A plane, not the quadratic it was: a quadratic can sag in the middle, under a large central fill, and then
    /// takes the fill for paper in shade and bleaches it (things200, tuning half: mean SSIM 0.955 → 0.959, worst
    /// 0.632 → 0.794). What a plane leaves of a curved shadow, the closing's cells still follow.
    /// </summary>
    private const int TrendDegree = 1;

    // Per pixel column/row: the grid cell before it and how far towards the next one it lies.
    private readonly int[] columnCell;
    private readonly float[] columnFraction;
    private readonly int[] rowCell;
    private readonly float[] rowFraction;

    private PaperBackground(Grid[] channels, Grid backgroundLuminance, int imageWidth, int imageHeight)
    {
        Channels = channels;
        BackgroundLuminance = backgroundLuminance;
        ImageWidth = imageWidth;
        ImageHeight = imageHeight;
        (columnCell, columnFraction) = InterpolationTable(imageWidth, backgroundLuminance.Width);
        (rowCell, rowFraction) = InterpolationTable(imageHeight, backgroundLuminance.Height);
    }

    /// <summary>Per channel: the paper brightness at each cell.</summary>
    public Grid[] Channels { get; }

    /// <summary>The paper brightness at each cell as luminance.</summary>
    public Grid BackgroundLuminance { get; }

    public int ImageWidth { get; }

    public int ImageHeight { get; }

    /// <param name="image">The picture, paper brighter than ink.</param>
    /// <param name="castShadows">Whether soft-edged dark regions may be cast shadows (<see cref="SoftShadows"/>), to divide out.</param>
    public static PaperBackground Estimate(PixelImage image, bool castShadows = true)
    {
        var shortSide = Math.Min(image.Width, image.Height);
        var cellSize = (double)shortSide / Math.Min(CellsAcrossShortSide, shortSide);
        var gridWidth = Math.Max(1, (int)Math.Round(image.Width / cellSize));
        var gridHeight = Math.Max(1, (int)Math.Round(image.Height / cellSize));
        var closingRadius = Math.Max(1, (int)Math.Round(StrokeFillFraction * Math.Min(gridWidth, gridHeight)));

        // Averaging cells first turns the grain into a steady value per cell, so the closing below
        // does not latch on to the brightest speck of noise.
        var cellMeans = Resampler.Resize(image, gridWidth, gridHeight);
        var channels = new Grid[image.Channels];
        for (var c = 0; c < image.Channels; c++)
        {
            var cells = Grid.FromChannel(cellMeans, c);
            var closed = cells.Close(closingRadius);
            var trend = SmoothSurface.FitIgnoringDarkOutliers(closed, TrendDegree, StillPaper);
            var shadows = castShadows ? SoftShadows.Find(closed, trend, StillPaper) : new bool[closed.Values.Length];
            for (var i = 0; i < closed.Values.Length; i++)
            {
                if (shadows[i])
                {
                    continue; // a cast shadow: paper, however dark, divided out like any other shade
                }

                // Shade a little below the trend is real; far below, it is ink or table the closing could not fill.
                // Fade from one to the other, so no seam appears where a shadow deepens past the limit.
                var expected = Math.Max(trend.Values[i], 1f);
                var shortfall = 1 - (closed.Values[i] / expected);
                var notPaper = Math.Clamp((shortfall - StillPaper) / (CertainlyNotPaper - StillPaper), 0f, 1f);
                var paper = closed.Values[i] + (notPaper * (expected - closed.Values[i]));
                closed.Values[i] = Math.Max(paper, 1f); // never divide by (almost) zero
            }

            channels[c] = closed.BoxBlur(1);
        }

        var background = image.Channels == 1 ? channels[0] : ToLuminance(channels);
        return new PaperBackground(channels, background, image.Width, image.Height);
    }

    /// <summary>
    /// Divides each pixel by the paper under it, so paper becomes <paramref name="paperLevel"/> everywhere
    /// (per channel, which also neutralises tinted paper) and strokes keep their contrast to it.
    /// </summary>
    public void Flatten(PixelImage image, float paperLevel)
    {
        var channelCount = image.Channels;
        var pixels = image.Pixels;
        var gridWidth = Channels[0].Width;
        var gainRow = new float[gridWidth * channelCount];

        for (var y = 0; y < image.Height; y++)
        {
            // Background of this pixel row at each grid column, blended between the two nearest grid rows.
            int above = rowCell[y], below = Math.Min(above + 1, Channels[0].Height - 1);
            var t = rowFraction[y];
            for (var c = 0; c < channelCount; c++)
            {
                var grid = Channels[c];
                for (var gx = 0; gx < gridWidth; gx++)
                {
                    var paper = grid[gx, above] + (t * (grid[gx, below] - grid[gx, above]));
                    gainRow[(gx * channelCount) + c] = paperLevel / paper;
                }
            }

            var row = pixels.AsSpan(y * image.Stride, image.Stride);
            for (var x = 0; x < image.Width; x++)
            {
                int left = columnCell[x], right = Math.Min(left + 1, gridWidth - 1);
                var s = columnFraction[x];
                for (var c = 0; c < channelCount; c++)
                {
                    var gainLeft = gainRow[(left * channelCount) + c];
                    var gain = gainLeft + (s * (gainRow[(right * channelCount) + c] - gainLeft));
                    var i = (x * channelCount) + c;
                    row[i] = Resampler.ToByte(row[i] * gain);
                }
            }
        }
    }

    /// <summary>The paper luminance under pixel (<paramref name="x"/>, <paramref name="y"/>), bilinear between cells.</summary>
    public float LuminanceAt(int x, int y)
    {
        var grid = BackgroundLuminance;
        int left = columnCell[x], right = Math.Min(left + 1, grid.Width - 1);
        int above = rowCell[y], below = Math.Min(above + 1, grid.Height - 1);
        float s = columnFraction[x], t = rowFraction[y];
        var top = grid[left, above] + (s * (grid[right, above] - grid[left, above]));
        var bottom = grid[left, below] + (s * (grid[right, below] - grid[left, below]));
        return top + (t * (bottom - top));
    }

    /// <summary>For each pixel along an axis: the grid cell to its left/top and how far towards the next it lies.</summary>
    private static (int[] Cell, float[] Fraction) InterpolationTable(int pixels, int cells)
    {
        var cell = new int[pixels];
        var fraction = new float[pixels];
        var scale = (double)cells / pixels;
        for (var p = 0; p < pixels; p++)
        {
            var position = Math.Clamp(((p + 0.5) * scale) - 0.5, 0, cells - 1);
            cell[p] = (int)position;
            fraction[p] = (float)(position - cell[p]);
        }

        return (cell, fraction);
    }

    private static Grid ToLuminance(Grid[] rgb)
    {
        var result = new Grid(rgb[0].Width, rgb[0].Height);
        for (var i = 0; i < result.Values.Length; i++)
        {
            result.Values[i] = (0.299f * rgb[0].Values[i]) + (0.587f * rgb[1].Values[i]) + (0.114f * rgb[2].Values[i]);
        }

        return result;
    }
}
