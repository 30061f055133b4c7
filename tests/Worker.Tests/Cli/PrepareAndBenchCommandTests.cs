using GanService.Domain.Imaging;

namespace GanService.Worker.Tests.Cli;

[Collection(nameof(CliCollection))]
public sealed class PrepareAndBenchCommandTests
{
    [Fact]
    public void Prepare_writes_each_image_as_training_sees_it_under_its_own_stem()
    {
        using var temp = new TempDirectory();
        var run = CommandLineRunner.Run("prepare", "--images", CommandLineRunner.FixtureImages, "--out", temp.Path, "--resolution", "32");

        Assert.True(run.ExitCode == 0, run.Error);
        var expected = Directory.GetFiles(CommandLineRunner.FixtureImages).Select(Path.GetFileNameWithoutExtension).Order();
        var written = Directory.GetFiles(temp.Path, "*.png").Select(Path.GetFileNameWithoutExtension).Order();
        Assert.Equal(expected, written);
        foreach (var file in Directory.GetFiles(temp.Path, "*.png"))
        {
            var header = ImageHeaderReader.Read(File.ReadAllBytes(file));
            Assert.NotNull(header);
            Assert.Equal((32, 32), (header.Width, header.Height));
        }
    }

    [Fact]
    public void Bench_prints_images_per_second_and_the_share_outside_the_model()
    {
        var run = CommandLineRunner.Run("bench", "--preset", "small-data", "--resolution", "16", "--batch", "4", "--width", "8",
            "--iterations", "3", "--threads", "1");

        Assert.True(run.ExitCode == 0, run.Error);
        var summary = run.Summary;
        Assert.True(summary.GetProperty("imagesPerSecond").GetDouble() > 0);
        Assert.InRange(summary.GetProperty("outsideModelShare").GetDouble(), 0, 1);
        Assert.True(summary.GetProperty("matmulGflops").GetDouble() > 0);
        // small-data is not the DCGAN the PyTorch script reproduces: no baseline is run for it.
        Assert.Equal(System.Text.Json.JsonValueKind.Null, summary.GetProperty("ratioToPytorch").ValueKind);
    }

    [Fact]
    public void An_unknown_command_lists_the_commands()
    {
        var run = CommandLineRunner.Run("fly");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("unknown command 'fly'", run.Error);
        Assert.Contains("train", run.Error);
    }
}
