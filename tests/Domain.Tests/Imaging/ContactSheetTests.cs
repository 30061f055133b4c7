using GanService.Domain.Imaging;

namespace GanService.Domain.Tests.Imaging;

public class ContactSheetTests
{
    [Theory]
    [InlineData(1, 2, 10, 10)]   // 1×1 grid
    [InlineData(4, 2, 22, 22)]   // 2×2
    [InlineData(5, 2, 34, 22)]   // 3 columns, 2 rows
    [InlineData(10, 0, 40, 30)]  // 4 columns, 3 rows, no gap
    public void Sheet_is_a_near_square_grid_with_gaps(int count, int gap, int width, int height)
    {
        var tiles = Enumerable.Range(0, count).Select(_ => Fixtures.Uniform(10, 10, 255)).ToList();

        var sheet = PixelImage.Decode(ContactSheet.Render(tiles, gap), 1);

        Assert.Equal((width, height), (sheet.Width, sheet.Height));
    }

    [Fact]
    public void Tiles_land_in_their_cells_and_gaps_stay_gray()
    {
        var tiles = new[] { Fixtures.Uniform(4, 4, 0), Fixtures.Uniform(4, 4, 255) };

        var sheet = PixelImage.Decode(ContactSheet.Render(tiles, gap: 2), 1);

        Assert.Equal(10, sheet.Width);
        Assert.Equal(0, sheet.Pixels[0]);
        Assert.Equal(128, sheet.Pixels[4]);
        Assert.Equal(255, sheet.Pixels[6]);
    }

    [Fact]
    public void Mixed_gray_and_colour_tiles_make_a_colour_sheet()
    {
        var tiles = new[] { Fixtures.Uniform(3, 3, 10), Fixtures.Uniform(3, 3, 200, channels: 3) };

        var sheet = ContactSheet.Compose(tiles, gap: 1);

        Assert.Equal(3, sheet.Channels);
        Assert.Equal(new byte[] { 10, 10, 10 }, sheet.Pixels[..3]);
    }

    [Fact]
    public void An_empty_sheet_is_rejected() =>
        Assert.Throws<ArgumentException>(() => ContactSheet.Render([]));
}
