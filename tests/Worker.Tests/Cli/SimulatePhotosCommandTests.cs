using GanService.Domain.Imaging;
using GanService.Worker.Cli;

namespace GanService.Worker.Tests.Cli;

[Collection(nameof(CliCollection))]
public sealed class SimulatePhotosCommandTests
{
    [Fact]
    public void Simulate_photos_writes_one_jpeg_per_drawing_under_its_stem_the_same_every_time()
    {
        using var temp = new TempDirectory();
        var first = CommandLineRunner.Run("simulate-photos", "--from", CommandLineRunner.FixtureImages, "--to", temp.Sub("a"), "--seed", "3");
        var second = CommandLineRunner.Run("simulate-photos", "--from", CommandLineRunner.FixtureImages, "--to", temp.Sub("b"), "--seed", "3");

        Assert.True(first.ExitCode == 0, first.Error);
        Assert.True(second.ExitCode == 0, second.Error);
        var expected = Directory.GetFiles(CommandLineRunner.FixtureImages).Select(Path.GetFileNameWithoutExtension).Order().ToList();
        var written = Directory.GetFiles(temp.Sub("a"), "*.jpg").Order().ToList();
        Assert.Equal(expected, written.Select(Path.GetFileNameWithoutExtension));
        Assert.Equal(expected.Count, first.Summary.GetProperty("images").GetInt32());
        foreach (var file in written)
        {
            var photo = PixelImage.Decode(File.ReadAllBytes(file), 1);
            Assert.True(photo.Width > 200 && photo.Height > 200, $"{file}: {photo.Width}x{photo.Height}, the table photo is larger than the drawing");
            Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(Path.Combine(temp.Sub("b"), Path.GetFileName(file))));
        }

        // The known outline: a header and one line of four corners per photo.
        var corners = File.ReadAllLines(Path.Combine(temp.Sub("a"), "corners.csv"));
        Assert.Equal(expected.Count + 1, corners.Length);
        Assert.All(corners.Skip(1), line => Assert.Equal(9, line.Split(',').Length));
    }

    [Fact]
    public void Flat_photos_as_png_keep_the_drawings_size()
    {
        using var temp = new TempDirectory();
        var run = CommandLineRunner.Run("simulate-photos", "--from", CommandLineRunner.FixtureImages, "--to", temp.Path, "--kind", "flat", "--format", "png");

        Assert.True(run.ExitCode == 0, run.Error);
        foreach (var file in Directory.GetFiles(temp.Path, "*.png"))
        {
            var clean = PixelImage.Decode(File.ReadAllBytes(Path.Combine(CommandLineRunner.FixtureImages, Path.GetFileName(file))), 1);
            var photo = PixelImage.Decode(File.ReadAllBytes(file), 3);
            Assert.Equal((clean.Width, clean.Height, 3), (photo.Width, photo.Height, photo.Channels));
        }

        Assert.False(File.Exists(Path.Combine(temp.Path, "corners.csv")));
    }

    [Fact]
    public void Bench_cleanup_measures_our_simulated_sets_and_draws_the_worst_held_out()
    {
        using var temp = new TempDirectory();
        var fixtures = CommandLineRunner.FixtureImages;
        var run = CommandLineRunner.Run("bench-cleanup", "--photos", fixtures, "--clean", fixtures, "--pairs", "", "--simulated", fixtures,
            "--worst", "2", "--worst-sheet", temp.Path, "--quality-only");

        Assert.True(run.ExitCode == 0, run.Error);
        var sets = run.Summary.GetProperty("pairs").EnumerateArray().Select(p => p.GetProperty("photos").GetString()).ToList();
        Assert.Equal(["sim-flat/symbola176", "sim-table/symbola176"], sets);
        Assert.Contains("worst held-out (vs clean)", run.Output);
        Assert.Equal(2, Directory.GetFiles(temp.Path, "*-worst-held-out.png").Length);

        // Only the table set knows where its sheets truly lie, so only it reports how well they were found.
        var outlines = run.Summary.GetProperty("pairs").EnumerateArray()
            .Select(p => p.GetProperty("halves").EnumerateArray().Where(h => h.GetProperty("comparison").GetString() == "sheet outline").ToList())
            .ToList();
        Assert.Empty(outlines[0]);
        var all = Assert.Single(outlines[1], h => h.GetProperty("half").GetString() == "all");
        var (count, found, accurate) = (all.GetProperty("count").GetInt32(), all.GetProperty("found").GetInt32(), all.GetProperty("cornersWithinTolerance").GetInt32());
        Assert.True(count > 0 && found <= count && accurate <= found, $"count {count}, found {found}, accurate {accurate}");
    }

    [Fact]
    public void Bench_cleanup_without_a_kind_of_damage_it_does_not_know_is_a_usage_error()
    {
        var fixtures = CommandLineRunner.FixtureImages;
        var run = CommandLineRunner.Run("bench-cleanup", "--photos", fixtures, "--clean", fixtures, "--pairs", "", "--simulated", fixtures,
            "--without", "shadows,sunshine", "--quality-only");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("'sunshine' is not one of shadows, light, blur, grain, jpeg", run.Error);
    }

    [Fact]
    public void A_sheet_outlines_corner_error_is_its_farthest_corner_over_the_longer_side()
    {
        (double X, double Y)[] truth = [(10, 10), (110, 10), (110, 60), (10, 60)];
        (double X, double Y)[] found = [(10, 10), (113, 14), (110, 60), (11, 60)];

        Assert.Equal(0.0, SheetOutlines.WorstCornerError(truth, truth));
        Assert.Equal(0.05, SheetOutlines.WorstCornerError(found, truth), 12); // (3, 4) off, 5 px of a 100 px side
    }
}
