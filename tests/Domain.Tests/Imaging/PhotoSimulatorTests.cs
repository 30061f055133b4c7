using GanService.Domain.Imaging;
using GanService.Domain.Imaging.Filters;
using GanService.Domain.Imaging.Simulation;

namespace GanService.Domain.Tests.Imaging;

/// <summary>Our own phone-photo simulator: reproducible, pixel-aligned where it says so, with a sheet outline that is known.</summary>
public class PhotoSimulatorTests
{
    [Fact]
    public void The_same_damage_renders_the_same_bytes()
    {
        var clean = Fixtures.Clean("000_U1F400");
        var damage = PhotoSimulator.ForImage(1, "000_U1F400");

        var first = PhotoSimulator.Simulate(clean, damage);
        var second = PhotoSimulator.Simulate(clean, PhotoSimulator.ForImage(1, "000_U1F400"));

        Assert.Equal(damage, second.Damage); // a value, drawn again the same from the seed and the name
        Assert.Equal(first.FlatJpeg, second.FlatJpeg);
        Assert.Equal(first.OnTableJpeg, second.OnTableJpeg);
        Assert.Equal(first.Flat.Pixels, second.Flat.Pixels);
        Assert.Equal(first.Corners, second.Corners);
        Assert.NotEqual(damage, PhotoSimulator.ForImage(2, "000_U1F400"));
        Assert.NotEqual(damage, PhotoSimulator.ForImage(1, "018_U1F412"));
    }

    [Theory]
    [MemberData(nameof(Fixtures.Drawings), MemberType = typeof(Fixtures))]
    public void The_flat_photo_is_gray_the_clean_size_and_pixel_aligned(string stem)
    {
        var clean = Fixtures.Clean(stem);

        var photo = PhotoSimulator.Simulate(clean, PhotoSimulator.ForImage(1, stem));

        Assert.Equal((clean.Width, clean.Height, 1), (photo.Flat.Width, photo.Flat.Height, photo.Flat.Channels));
        // Aligned, the ink's edges lie on the clean's edges: of every shift up to 4 px, none matches better than none.
        // (Edges, not SSIM or plain correlation: the grain averages out over the image, shadows and fills carry no edges.)
        var best = (from dx in Enumerable.Range(-4, 9) from dy in Enumerable.Range(-4, 9) select (dx, dy))
            .MaxBy(shift => EdgeCorrelation(photo.Flat, clean, shift.dx, shift.dy));
        Assert.Equal((0, 0), best);
        // The photo is darker than the clean paper, as every photo of paper is, and keeps its ink darker still.
        Assert.True(Measure.Mean(photo.Flat) < Measure.Mean(clean));
    }

    [Fact]
    public void The_table_photo_is_larger_with_the_sheet_inside_and_the_table_around()
    {
        var clean = Fixtures.Clean("036_U1F424");
        var damage = PhotoSimulator.ForImage(1, "036_U1F424");

        var photo = PhotoSimulator.Simulate(clean, damage);

        Assert.True(photo.OnTable.Width >= clean.Width * damage.Scale && photo.OnTable.Height >= clean.Height * damage.Scale);
        Assert.Equal(4, photo.Corners.Count);
        Assert.All(photo.Corners, c => Assert.True(
            c.X > 0 && c.Y > 0 && c.X < photo.OnTable.Width && c.Y < photo.OnTable.Height, $"corner {c} outside the photo"));
        // The outermost pixels are table, darker than the paper in the middle.
        Assert.True(Measure.FrameMean(photo.OnTable) < Measure.Mean(photo.Flat));
    }

    /// <summary>The "sheet detection on photos with a known outline": SheetFinder must find what was drawn.</summary>
    [Fact]
    public void SheetFinder_finds_the_tilt_and_the_corners_the_simulator_drew()
    {
        var draws = Fixtures.DrawingStems
            .SelectMany(stem => Enumerable.Range(1, 100).Select(seed => (Stem: stem, Seed: seed, Damage: PhotoSimulator.ForImage(seed, stem))))
            .Where(d => Math.Abs(d.Damage.TiltDegrees) >= 3 && DarkestRim(d.Damage) >= 0.7 * d.Damage.Paper.Luminance
                && d.Damage.Table.Luminance < 0.5 * DarkestRim(d.Damage))
            .Take(6)
            .ToList();
        Assert.Equal(6, draws.Count);

        foreach (var (stem, seed, damage) in draws)
        {
            var photo = PhotoSimulator.Simulate(Fixtures.Clean(stem), damage);

            var outline = SheetFinder.Find(photo.OnTable);

            var what = $"{stem} seed {seed}, tilt {damage.TiltDegrees:0.0}°";
            Assert.True(outline is not null, $"{what}: no sheet found");
            var drawnTilt = MeanSideTilt(photo.Corners);
            Assert.True(Math.Abs(outline.TiltDegrees - drawnTilt) <= 1, $"{what}: found {outline.TiltDegrees:0.00}°, the quad's sides {drawnTilt:0.00}°");
            var tolerance = 0.012 * Math.Max(photo.OnTable.Width, photo.OnTable.Height);
            for (var i = 0; i < 4; i++)
            {
                var error = Math.Sqrt(Math.Pow(outline.Corners[i].X - photo.Corners[i].X, 2) + Math.Pow(outline.Corners[i].Y - photo.Corners[i].Y, 2));
                Assert.True(error <= tolerance, $"{what}: corner {i} found at {outline.Corners[i]}, drawn at {photo.Corners[i]}, {error:0.0} px off (at most {tolerance:0.0})");
            }
        }
    }

    [Fact]
    public void Without_takes_away_only_the_damage_named()
    {
        var damage = Enumerable.Range(0, 100).Select(seed => PhotoDamage.Draw(new Random(seed))).First(d => d.SecondShadow is not null);

        Assert.Equal(damage, damage.Without(DamageKinds.None));
        var unshadowed = damage.Without(DamageKinds.Shadows);
        Assert.Equal((1.0, null), (unshadowed.FirstShadow.Brightness, unshadowed.SecondShadow));
        Assert.Equal(damage with { FirstShadow = unshadowed.FirstShadow, SecondShadow = null }, unshadowed);

        var bare = damage.Without(DamageKinds.Shadows | DamageKinds.Light | DamageKinds.Blur | DamageKinds.Grain | DamageKinds.Jpeg);
        Assert.Equal((0.0, 0.0, 0.0, 0.0, 100), (bare.Gradient.Strength, bare.Vignette.Strength, bare.BlurSigma, bare.GrainSigma, bare.JpegQuality));
        Assert.Equal((damage.TiltDegrees, damage.Perspective, damage.Table, damage.Paper), (bare.TiltDegrees, bare.Perspective, bare.Table, bare.Paper));
    }

    [Fact]
    public void Draws_stay_within_the_stated_ranges_and_cover_them()
    {
        var draws = Enumerable.Range(0, 500).Select(seed => PhotoDamage.Draw(new Random(seed))).ToList();

        AssertCovers(draws.Select(d => d.Paper.Luminance), PhotoDamage.MinPaperLuminance, PhotoDamage.MaxPaperLuminance, "paper luminance");
        AssertCovers(draws.Select(d => d.Ink.Luminance), PhotoDamage.MinInkLuminance, PhotoDamage.MaxInkLuminance, "ink luminance");
        AssertCovers(draws.Select(d => d.FirstShadow.Brightness), PhotoDamage.MinShadowBrightness, PhotoDamage.MaxShadowBrightness, "shadow");
        AssertCovers(draws.Select(d => d.GrainSigma), PhotoDamage.MinGrainSigma, PhotoDamage.MaxGrainSigma, "grain");
        AssertCovers(draws.Select(d => d.BlurSigma), 0, PhotoDamage.MaxBlurSigma, "blur");
        AssertCovers(draws.Select(d => (double)d.JpegQuality), PhotoDamage.MinJpegQuality, PhotoDamage.MaxJpegQuality, "JPEG quality");
        AssertCovers(draws.Select(d => d.TiltDegrees), -PhotoDamage.MaxTiltDegrees, PhotoDamage.MaxTiltDegrees, "tilt");
        AssertCovers(draws.Select(d => d.Perspective.TopLeft.X), -PhotoDamage.MaxCornerShift, PhotoDamage.MaxCornerShift, "corner shift");
        AssertCovers(draws.Select(d => d.Table.Luminance), PhotoDamage.MinTableLuminance, PhotoDamage.MaxTableLuminance, "table luminance");
        Assert.All(draws, d => Assert.True(d.Table.Luminance <= (PhotoDamage.MaxTableToPaper * d.Paper.Luminance) + 1e-9, $"table {d.Table.Luminance:0} on paper {d.Paper.Luminance:0}"));
        AssertCovers(draws.Select(d => d.Scale), PhotoDamage.MinScale, PhotoDamage.MaxScale, "scale");
        // Light at the darkest corner of the sheet, shadows aside: down to about 0.55, never black.
        AssertCovers(draws.Select(DarkestUnshadedLight), 0.55, 1, "uneven light", slack: 0.2);
        Assert.InRange(draws.Count(d => d.SecondShadow is not null), 100, 250);
        Assert.True(draws.Select(d => d.Paper.Blue / d.Paper.Red).Distinct().Count() >= 7, "paper colours");
        Assert.All(draws, d => Assert.True(d.Ink.Red is >= 0 and <= 1 && d.Ink.Blue is >= 0 and <= 1 && d.Paper.Blue <= 255, $"{d}"));
    }

    private static void AssertCovers(IEnumerable<double> values, double min, double max, string what, double slack = 0.05)
    {
        var list = values.ToList();
        var margin = slack * (max - min);
        var tiny = 1e-9 * Math.Max(1, Math.Abs(max));
        Assert.True(list.Min() >= min - tiny && list.Max() <= max + tiny, $"{what}: {list.Min():0.###}..{list.Max():0.###} outside {min}..{max}");
        Assert.True(list.Min() <= min + margin && list.Max() >= max - margin, $"{what}: {list.Min():0.###}..{list.Max():0.###} does not cover {min}..{max}");
    }

    private static double DarkestUnshadedLight(PhotoDamage damage)
    {
        var unshaded = damage with { FirstShadow = damage.FirstShadow with { Brightness = 1 }, SecondShadow = null };
        return new[] { (0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0) }.Min(c => LightField.At(unshaded, c.Item1, c.Item2));
    }

    /// <summary>
    /// The paper's darkest luminance along the sheet's edge. Where a deep shadow reaches the rim, Otsu's threshold puts
    /// it with the table and SheetFinder gives up (bench-cleanup's sim-table sets count how often); such draws test
    /// something else than finding a visible outline.
    /// </summary>
    private static double DarkestRim(PhotoDamage damage) =>
        damage.Paper.Luminance * Enumerable.Range(0, 41).Select(i => i / 40.0)
            .SelectMany(t => new[] { (t, 0.0), (1.0, t), (t, 1.0), (0.0, t) })
            .Min(p => LightField.At(damage, p.Item1, p.Item2));

    /// <summary>The mean angle of a clockwise quad's sides from upright, degrees, clockwise positive (y down).</summary>
    private static double MeanSideTilt(IReadOnlyList<(double X, double Y)> corners)
    {
        double s = 0, c = 0;
        for (var i = 0; i < 4; i++)
        {
            var (a, b) = (corners[i], corners[(i + 1) % 4]);
            var angle = Math.Atan2(b.Y - a.Y, b.X - a.X) - (i * Math.PI / 2); // top runs at 0, right at 90°, …
            s += Math.Sin(angle);
            c += Math.Cos(angle);
        }

        return Math.Atan2(s, c) * 180 / Math.PI;
    }

    /// <summary>
    /// How well the gradients of <paramref name="photo"/> match those of <paramref name="clean"/> moved by
    /// (<paramref name="dx"/>, <paramref name="dy"/>): the normalised sum of their dot products.
    /// </summary>
    private static double EdgeCorrelation(PixelImage photo, PixelImage clean, int dx, int dy)
    {
        int width = photo.Width, height = photo.Height;
        double dot = 0, photoSquares = 0, cleanSquares = 0;
        for (var y = 5; y < height - 5; y++)
        {
            for (var x = 5; x < width - 5; x++)
            {
                var (px, py) = Gradient(photo, x, y);
                var (cx, cy) = Gradient(clean, x - dx, y - dy);
                dot += (px * cx) + (py * cy);
                photoSquares += (px * px) + (py * py);
                cleanSquares += (cx * cx) + (cy * cy);
            }
        }

        return dot / Math.Sqrt(photoSquares * cleanSquares);

        static (double X, double Y) Gradient(PixelImage image, int x, int y)
        {
            var p = image.Pixels;
            var i = (y * image.Width) + x;
            return (p[i + 1] - p[i - 1], p[i + image.Width] - p[i - image.Width]);
        }
    }
}
