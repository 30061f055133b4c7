namespace GanService.Domain.Imaging.Filters;

/// <summary>
/// 3×3 median per channel: removes grain and JPEG speckle while keeping stroke edges in place
/// (a blur would widen and grey them). Edges repeat the outermost pixels.
/// </summary>
internal static class Median
{
    public static PixelImage Filter3x3(PixelImage image)
    {
        int width = image.Width, height = image.Height, channels = image.Channels, stride = image.Stride;
        var source = image.Pixels;
        var result = new byte[source.Length];
        for (var y = 0; y < height; y++)
        {
            var up = Math.Max(y - 1, 0) * stride;
            var here = y * stride;
            var down = Math.Min(y + 1, height - 1) * stride;
            for (var c = 0; c < channels; c++)
            {
                // Each 3-pixel column sorted once and reused by the three windows it belongs to.
                var (leftLow, leftMid, leftHigh) = SortedColumn(source, up, here, down, c);
                var (midLow, midMid, midHigh) = (leftLow, leftMid, leftHigh);
                for (var x = 0; x < width; x++)
                {
                    var next = (Math.Min(x + 1, width - 1) * channels) + c;
                    var (rightLow, rightMid, rightHigh) = SortedColumn(source, up + next - c, here + next - c, down + next - c, c);

                    // Median of 9 = median of (largest low, median of mids, smallest high).
                    var lowMax = Math.Max(leftLow, Math.Max(midLow, rightLow));
                    var midMed = Median3(leftMid, midMid, rightMid);
                    var highMin = Math.Min(leftHigh, Math.Min(midHigh, rightHigh));
                    result[here + (x * channels) + c] = Median3(lowMax, midMed, highMin);

                    (leftLow, leftMid, leftHigh) = (midLow, midMid, midHigh);
                    (midLow, midMid, midHigh) = (rightLow, rightMid, rightHigh);
                }
            }
        }

        return new PixelImage(width, height, channels, result);
    }

    private static (byte Low, byte Mid, byte High) SortedColumn(byte[] pixels, int up, int here, int down, int channel)
    {
        byte a = pixels[up + channel], b = pixels[here + channel], c = pixels[down + channel];
        if (a > b)
        {
            (a, b) = (b, a);
        }

        if (b > c)
        {
            (b, c) = (c, b);
        }

        if (a > b)
        {
            (a, b) = (b, a);
        }

        return (a, b, c);
    }

    private static byte Median3(byte a, byte b, byte c) => Math.Max(Math.Min(a, b), Math.Min(Math.Max(a, b), c));
}
