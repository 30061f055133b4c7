namespace GanService.Domain.Imaging.Filters;

/// <summary>Cuts a region out of an image and makes it square the way <see cref="FitMode"/> asks.</summary>
internal static class SquareFit
{
    /// <summary>
    /// The square (or, for <see cref="FitMode.Stretch"/>, the region as it is: the resize stretches it)
    /// ready for resizing. Anything outside the image is filled with <paramref name="paper"/>.
    /// </summary>
    public static PixelImage Apply(PixelImage image, PixelRect region, FitMode fit, ReadOnlySpan<byte> paper)
    {
        var side = fit == FitMode.Pad ? Math.Max(region.Width, region.Height) : Math.Min(region.Width, region.Height);
        var target = fit == FitMode.Stretch
            ? region
            : new PixelRect(
                region.X + ((region.Width - side) / 2),
                region.Y + ((region.Height - side) / 2),
                side,
                side);

        if (target == PixelRect.Of(image))
        {
            return image;
        }

        return Copy(image, target, paper);
    }

    /// <summary>The pixels of <paramref name="area"/>, paper where it leaves the image.</summary>
    private static PixelImage Copy(PixelImage image, PixelRect area, ReadOnlySpan<byte> paper)
    {
        var result = PixelImage.Filled(area.Width, area.Height, paper);
        int fromX = Math.Max(area.X, 0), toX = Math.Min(area.Right, image.Width);
        int fromY = Math.Max(area.Y, 0), toY = Math.Min(area.Bottom, image.Height);
        if (fromX >= toX || fromY >= toY)
        {
            return result;
        }

        var channels = image.Channels;
        var length = (toX - fromX) * channels;
        for (var y = fromY; y < toY; y++)
        {
            var source = image.Pixels.AsSpan((y * image.Stride) + (fromX * channels), length);
            source.CopyTo(result.Pixels.AsSpan(((y - area.Y) * result.Stride) + ((fromX - area.X) * channels)));
        }

        return result;
    }
}
