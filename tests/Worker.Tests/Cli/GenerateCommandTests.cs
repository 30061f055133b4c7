using GanService.Domain.Imaging;

namespace GanService.Worker.Tests.Cli;

[Collection(nameof(CliCollection))]
public sealed class GenerateCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string _checkpoint;

    public GenerateCommandTests()
    {
        var train = CommandLineRunner.Run("train", "--images", CommandLineRunner.FixtureImages, "--out", _temp.Sub("run"),
            "--preset", "dcgan-classic", "--resolution", "16", "--batch", "4", "--iterations", "4", "--seed", "1",
            "--config", """{"generatorChannels":8,"discriminatorChannels":8,"threads":1,"evaluateEvery":0}""");
        Assert.True(train.ExitCode == 0, train.Error);
        _checkpoint = Path.Combine(_temp.Sub("run"), "final.ckpt");
    }

    public void Dispose() => _temp.Dispose();

    private CommandResult Generate(string outDirectory, int seed) =>
        CommandLineRunner.Run("generate", "--checkpoint", _checkpoint, "--count", "3", "--seed", seed.ToString(), "--out", outDirectory);

    [Fact]
    public void Writes_count_pngs_at_the_run_resolution()
    {
        var run = Generate(_temp.Sub("a"), 7);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal(3, run.Summary.GetProperty("count").GetInt32());
        Assert.Equal(4, run.Summary.GetProperty("iteration").GetInt64());
        var files = Directory.GetFiles(_temp.Sub("a"), "*.png").Order().ToArray();
        Assert.Equal(3, files.Length);
        foreach (var file in files)
        {
            var header = ImageHeaderReader.Read(File.ReadAllBytes(file));
            Assert.NotNull(header);
            Assert.Equal((UploadFormat.Png, 16, 16), (header.Format, header.Width, header.Height));
        }
    }

    [Fact]
    public void The_same_seed_gives_the_same_bytes_and_another_seed_does_not()
    {
        Assert.Equal(0, Generate(_temp.Sub("a"), 7).ExitCode);
        Assert.Equal(0, Generate(_temp.Sub("b"), 7).ExitCode);
        Assert.Equal(0, Generate(_temp.Sub("c"), 8).ExitCode);

        static byte[] First(string directory) => File.ReadAllBytes(Directory.GetFiles(directory, "*.png").Order().First());
        Assert.Equal(First(_temp.Sub("a")), First(_temp.Sub("b")));
        Assert.NotEqual(First(_temp.Sub("a")), First(_temp.Sub("c")));
    }

    [Fact]
    public void A_missing_checkpoint_is_a_usage_error()
    {
        var run = CommandLineRunner.Run("generate", "--checkpoint", _temp.Sub("none.ckpt"), "--out", _temp.Sub("x"));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--checkpoint", run.Error);
    }
}
