using GanService.Domain.Gan.Generation;
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
    public void A_generator_export_gives_the_same_images_as_its_checkpoint()
    {
        var export = _temp.Sub("generator.zip");
        using (var checkpoint = File.OpenRead(_checkpoint))
        using (var output = File.Create(export))
            GeneratorExport.WriteFromCheckpoint(checkpoint, output);

        var fromExport = CommandLineRunner.Run("generate", "--checkpoint", export, "--count", "3", "--seed", "7", "--out", _temp.Sub("e"));
        Assert.True(fromExport.ExitCode == 0, fromExport.Error);
        Assert.Equal(0, Generate(_temp.Sub("k"), 7).ExitCode);

        Assert.Equal(4, fromExport.Summary.GetProperty("iteration").GetInt64());
        static byte[][] All(string directory) => Directory.GetFiles(directory, "*.png").Order().Select(File.ReadAllBytes).ToArray();
        Assert.Equal(All(_temp.Sub("k")), All(_temp.Sub("e")));
    }

    [Fact]
    public void A_file_that_is_neither_a_checkpoint_nor_an_export_is_refused_with_the_reason()
    {
        var junk = _temp.Sub("junk.ckpt");
        File.WriteAllText(junk, "not a checkpoint at all");

        var run = CommandLineRunner.Run("generate", "--checkpoint", junk, "--out", _temp.Sub("j"));

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("checkpoint", run.Error);
        Assert.False(Directory.Exists(_temp.Sub("j")) && Directory.GetFiles(_temp.Sub("j")).Length > 0);
    }

    [Fact]
    public void A_missing_checkpoint_is_a_usage_error()
    {
        var run = CommandLineRunner.Run("generate", "--checkpoint", _temp.Sub("none.ckpt"), "--out", _temp.Sub("x"));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--checkpoint", run.Error);
    }
}
