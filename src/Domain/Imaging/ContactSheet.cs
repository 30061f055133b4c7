namespace GanService.Domain.Imaging;

/// <summary>Many small images on one sheet, for eyeballing a data set or a batch of samples at a glance.</summary>
public static class ContactSheet
{
    /// <summary>Gap colour: mid gray, so both white and black tile edges stand out against it.</summary>
    private const byte GapShade = 128;

    /// <summary>
    /// Tiles laid out row by row in a near-square grid (⌈√n⌉ columns) with <paramref name="gap"/> pixels
    /// between them, encoded as PNG. Cells are as large as the largest tile; smaller tiles sit centred.
    /// Gray tiles stay gray unless some tile is RGB. <paramref name="columns"/> fixes the row length instead, e.g. 3
    /// for rows of (clean | photo | cleaned) triples.
    /// </summary>
    public static byte[] Render(IReadOnlyList<PixelImage> tiles, int gap = 2, int? columns = null) => Compose(tiles, gap, columns).EncodePng();

    /// <summary>The sheet before encoding.</summary>
    internal static PixelImage Compose(IReadOnlyList<PixelImage> tiles, int gap = 2, int? columns = null)
    {
        ArgumentNullException.ThrowIfNull(tiles);
        if (tiles.Count == 0)
        {
            throw new ArgumentException("a contact sheet needs at least one tile", nameof(tiles));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(gap);

        columns ??= (int)Math.Ceiling(Math.Sqrt(tiles.Count));
        ArgumentOutOfRangeException.ThrowIfLessThan(columns.Value, 1, nameof(columns));
        var rows = (tiles.Count + columns.Value - 1) / columns.Value;
        var cellWidth = tiles.Max(t => t.Width);
        var cellHeight = tiles.Max(t => t.Height);
        var channels = tiles.Max(t => t.Channels);
        var sheet = PixelImage.Filled(
            (columns.Value * cellWidth) + ((columns.Value - 1) * gap),
            (rows * cellHeight) + ((rows - 1) * gap),
            Enumerable.Repeat(GapShade, channels).ToArray());

        for (var n = 0; n < tiles.Count; n++)
        {
            var tile = tiles[n];
            var left = ((n % columns.Value) * (cellWidth + gap)) + ((cellWidth - tile.Width) / 2);
            var top = ((n / columns.Value) * (cellHeight + gap)) + ((cellHeight - tile.Height) / 2);
            for (var y = 0; y < tile.Height; y++)
            {
                var target = sheet.Pixels.AsSpan(((top + y) * sheet.Stride) + (left * channels), tile.Width * channels);
                var source = tile.Pixels.AsSpan(y * tile.Stride, tile.Stride);
                if (tile.Channels == channels)
                {
                    source.CopyTo(target);
                    continue;
                }

                for (var x = 0; x < tile.Width; x++)
                {
                    target.Slice(x * 3, 3).Fill(source[x]); // gray tile on an RGB sheet
                }
            }
        }

        return sheet;
    }
}
