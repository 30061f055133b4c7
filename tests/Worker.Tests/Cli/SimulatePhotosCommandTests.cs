using GanService.Domain.Imaging;

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
    }
}
