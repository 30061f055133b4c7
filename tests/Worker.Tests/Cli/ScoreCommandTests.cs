using GanService.Domain.Imaging;

namespace GanService.Worker.Tests.Cli;

[Collection(nameof(CliCollection))]
public sealed class ScoreCommandTests
{
    [Fact]
    public void Score_puts_the_real_images_near_their_own_floor_and_flat_grey_far_away()
    {
        using var temp = new TempDirectory();
        var prepared = temp.Sub("prepared");
        Assert.Equal(0, CommandLineRunner.Run("prepare", "--images", CommandLineRunner.FixtureImages, "--out", prepared, "--resolution", "32").ExitCode);
        var grey = Directory.CreateDirectory(temp.Sub("grey")).FullName;
        var flat = new PixelImage(32, 32, 1, Enumerable.Repeat((byte)128, 32 * 32).ToArray()).EncodePng();
        for (var i = 0; i < 8; i++) File.WriteAllBytes(System.IO.Path.Combine(grey, $"{i}.png"), flat);

        var self = CommandLineRunner.Run("score", "--real", prepared, "--samples", prepared, "--resolution", "32");
        var far = CommandLineRunner.Run("score", "--real", prepared, "--samples", grey, "--resolution", "32");

        Assert.True(self.ExitCode == 0, self.Error);
        Assert.True(far.ExitCode == 0, far.Error);
        var (selfSwd, farSwd) = (self.Summary.GetProperty("swd").GetDouble(), far.Summary.GetProperty("swd").GetDouble());
        Assert.True(selfSwd <= self.Summary.GetProperty("swdRealFloor").GetDouble() * 1.5, $"the real set against itself: {selfSwd}");
        Assert.True(farSwd > 5 * selfSwd, $"flat grey {farSwd}, the real set itself {selfSwd}");
        Assert.Equal(1, far.Summary.GetProperty("diversity").GetDouble(), 3); // identical images
        Assert.Equal(8, far.Summary.GetProperty("samples").GetInt32());
        Assert.Equal(2, CommandLineRunner.Run("score", "--real", prepared, "--samples", temp.Sub("missing")).ExitCode);
    }
}
