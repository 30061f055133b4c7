using GanService.Domain.Imaging;
using GanService.Domain.Imaging.Filters;

namespace GanService.Domain.Tests.Imaging;

/// <summary>Finding a photographed sheet on a table and straightening it; leaving everything else alone.</summary>
public class SheetStraightenerTests
{
    private const byte Table = 45;

    [Fact]
    public void Homography_takes_each_of_the_four_points_to_its_partner()
    {
        (double X, double Y)[] from = [(0, 0), (100, 0), (100, 80), (0, 80)];
        (double X, double Y)[] to = [(12, 7), (118, 15), (104, 96), (3, 84)];

        var homography = Homography.Solve(from, to);

        for (var i = 0; i < 4; i++)
        {
            var (x, y) = homography.Map(from[i].X, from[i].Y);
            Assert.Equal(to[i].X, x, 6);
            Assert.Equal(to[i].Y, y, 6);
        }
    }

    [Fact]
    public void Otsu_splits_a_two_level_picture_between_its_levels()
    {
        byte[] values = [.. Enumerable.Repeat((byte)40, 300), .. Enumerable.Repeat((byte)45, 100), .. Enumerable.Repeat((byte)220, 600)];

        var threshold = Histogram.Of(values).OtsuThreshold();

        Assert.InRange(threshold, 45, 219);
    }

    [Fact]
    public void Finds_the_corners_of_a_white_quad_on_a_dark_table()
    {
        (double X, double Y)[] corners = [(34, 22), (212, 36), (200, 190), (22, 176)];
        var photo = Fixtures.Uniform(240, 210, Table);
        FillQuad(photo, corners, 235);

        var outline = SheetFinder.Find(photo);

        Assert.NotNull(outline);
        for (var i = 0; i < 4; i++)
        {
            var (x, y) = outline.Corners[i];
            var error = Math.Sqrt(Math.Pow(x - corners[i].X, 2) + Math.Pow(y - corners[i].Y, 2));
            Assert.True(error <= 2.5, $"corner {i}: found ({x:0.0}, {y:0.0}), drawn at {corners[i]}, {error:0.0} px off");
        }
    }

    [Theory]
    [InlineData(6.0)]
    [InlineData(-3.5)]
    public void Straightens_a_rotated_drawing_on_a_table(double degrees)
    {
        var drawing = Fixtures.Clean("000_U1F400");
        var photo = OnTable(drawing, degrees, 280);

        var outline = SheetFinder.Find(photo);
        var straightened = SheetStraightener.Apply(photo);

        Assert.NotNull(outline);
        Assert.True(Math.Abs(Math.Abs(outline.TiltDegrees) - Math.Abs(degrees)) < 0.3, $"tilt found {outline.TiltDegrees:0.00}°, made {degrees}°");
        Assert.NotSame(photo, straightened);
        // The sheet's rim is cut off (1 + 1.5% of 280 ≈ 5 px each side), so compare with the drawing framed alike.
        Assert.InRange(straightened.Width, 188, 192);
        Assert.InRange(straightened.Height, 188, 192);
        var reference = Resampler.Resize(Crop(drawing, 5, 5, 190, 190), 64, 64);
        var before = Ssim.Mean(Resampler.Resize(Crop(photo, 45, 45, 190, 190), 64, 64), reference);
        var after = Ssim.Mean(Resampler.Resize(straightened, 64, 64), reference);
        Assert.True(after > 0.85 && after > before + 0.15, $"SSIM vs the unrotated drawing: tilted {before:0.000}, straightened {after:0.000}");
    }

    [Theory]
    [MemberData(nameof(Fixtures.Drawings), MemberType = typeof(Fixtures))]
    public void Leaves_clean_drawings_and_flat_photos_untouched(string stem)
    {
        var clean = Fixtures.Clean(stem);
        var flat = Fixtures.PhoneFlat(stem);
        var cleanPixels = (byte[])clean.Pixels.Clone();

        Assert.Same(clean, SheetStraightener.Apply(clean));
        Assert.Same(flat, SheetStraightener.Apply(flat));
        Assert.Equal(cleanPixels, clean.Pixels);
    }

    [Fact]
    public void Leaves_an_upright_sheet_and_blank_or_dark_pictures_untouched()
    {
        // An upright sheet with a table border: only a shift, which auto-crop already handles.
        var upright = Fixtures.Uniform(200, 200, Table);
        FillQuad(upright, [(20, 15), (185, 15), (185, 190), (20, 190)], 235);
        var blank = Fixtures.Uniform(120, 90, 250);
        var dress = Fixtures.LargeDress();

        Assert.Same(upright, SheetStraightener.Apply(upright));
        Assert.Same(blank, SheetStraightener.Apply(blank));
        Assert.Same(dress, SheetStraightener.Apply(dress));
    }

    [Theory]
    [MemberData(nameof(Fixtures.Drawings), MemberType = typeof(Fixtures))]
    public void Tilted_phone_photos_clean_up_close_to_the_original(string stem)
    {
        // A photo of a sheet on a table is cropped around its drawing; the original (no table) keeps its frame unless asked.
        var reference = ImagePreprocessor.Prepare(Fixtures.Clean(stem), 64, PreprocessOptions.Default with { CropToDrawing = true });

        var cleaned = ImagePreprocessor.Prepare(Fixtures.Phone(stem), 64, PreprocessOptions.Default);

        // Measured: 0.91–0.97 on these fixtures with straightening; without it the tilt alone kept some below 0.8.
        var ssim = Ssim.Mean(cleaned, reference);
        Assert.True(ssim >= 0.85, $"{stem}: SSIM {ssim:0.000} against the clean original");
    }

    /// <summary><paramref name="sheet"/> rotated by <paramref name="degrees"/> about its centre, in the middle of a dark square table.</summary>
    private static PixelImage OnTable(PixelImage sheet, double degrees, int side)
    {
        var angle = degrees * Math.PI / 180;
        double cx = side / 2.0, cy = side / 2.0, hw = sheet.Width / 2.0, hh = sheet.Height / 2.0;
        (double X, double Y) Place(double x, double y) =>
            (cx + (x * Math.Cos(angle)) - (y * Math.Sin(angle)), cy + (x * Math.Sin(angle)) + (y * Math.Cos(angle)));
        (double X, double Y)[] onTable = [Place(-hw, -hh), Place(hw, -hh), Place(hw, hh), Place(-hw, hh)];
        (double X, double Y)[] onSheet = [(0, 0), (sheet.Width, 0), (sheet.Width, sheet.Height), (0, sheet.Height)];
        return Homography.Warp(sheet, Homography.Solve(onTable, onSheet), side, side, [Table]);
    }

    private static PixelImage Crop(PixelImage gray, int left, int top, int width, int height)
    {
        var pixels = new byte[width * height];
        for (var y = 0; y < height; y++)
        {
            gray.Pixels.AsSpan(((top + y) * gray.Width) + left, width).CopyTo(pixels.AsSpan(y * width));
        }

        return new PixelImage(width, height, 1, pixels);
    }

    /// <summary>Paints the convex quad (clockwise corners) with <paramref name="value"/>, by pixel centres.</summary>
    private static void FillQuad(PixelImage gray, (double X, double Y)[] corners, byte value)
    {
        for (var y = 0; y < gray.Height; y++)
        {
            for (var x = 0; x < gray.Width; x++)
            {
                var inside = true;
                for (var i = 0; i < 4 && inside; i++)
                {
                    var (a, b) = (corners[i], corners[(i + 1) % 4]);
                    inside = ((b.X - a.X) * (y + 0.5 - a.Y)) - ((b.Y - a.Y) * (x + 0.5 - a.X)) >= 0;
                }

                if (inside)
                {
                    gray.Pixels[(y * gray.Width) + x] = value;
                }
            }
        }
    }
}
