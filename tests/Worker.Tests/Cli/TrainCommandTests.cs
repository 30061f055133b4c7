using GanService.Domain.Imaging;

namespace GanService.Worker.Tests.Cli;

// libtorch's thread count is process-wide: the CLI tests run one at a time.
[CollectionDefinition(nameof(CliCollection), DisableParallelization = true)]
public sealed class CliCollection;

[Collection(nameof(CliCollection))]
public sealed class TrainCommandTests
{
    // A tiny net (16x16, width 8, batch 4) keeps each run well under a second of training.
    private const string TinyConfig = """{"generatorChannels":8,"discriminatorChannels":8,"latentDim":16,"threads":1}""";

    private static CommandResult Train(string outDirectory, params string[] extra) =>
        CommandLineRunner.Run(["train", "--images", CommandLineRunner.FixtureImages, "--out", outDirectory,
            "--preset", "small-data", "--resolution", "16", "--batch", "4", "--seed", "3", "--config", TinyConfig, .. extra]);

    [Fact]
    public void Train_writes_checkpoints_samples_metrics_and_a_json_summary()
    {
        using var temp = new TempDirectory();
        var run = Train(temp.Path, "--iterations", "20", "--sample-every", "10", "--checkpoint-every", "10", "--evaluate-every", "20");

        Assert.True(run.ExitCode == 0, run.Error);
        var summary = run.Summary;
        Assert.Equal(20, summary.GetProperty("iterations").GetInt64());
        Assert.Equal("iterations", summary.GetProperty("stoppedBy").GetString());
        Assert.Equal(4, summary.GetProperty("images").GetInt32());
        var swd = summary.GetProperty("metrics").GetProperty("swd").GetDouble();
        Assert.True(double.IsFinite(swd) && swd > 0, $"swd {swd}");

        Assert.True(File.Exists(Path.Combine(temp.Path, "final.ckpt")));
        Assert.True(File.Exists(Path.Combine(temp.Path, "checkpoints", "iter_0000010.ckpt")));
        Assert.True(File.Exists(Path.Combine(temp.Path, "checkpoints", "iter_0000020.ckpt")));
        var grid = File.ReadAllBytes(Path.Combine(temp.Path, "samples", "iter_0000010.png"));
        var header = ImageHeaderReader.Read(grid);
        Assert.NotNull(header);
        Assert.Equal(UploadFormat.Png, header.Format);
        Assert.True(header.Width > 16, "the grid holds several 16x16 samples");

        var metrics = File.ReadAllLines(Path.Combine(temp.Path, "metrics.csv"));
        Assert.StartsWith("iteration,seconds,lossD,lossG", metrics[0]);
        Assert.Contains(metrics, line => line.StartsWith("10,", StringComparison.Ordinal));
        Assert.Contains(metrics, line => line.StartsWith("20,", StringComparison.Ordinal) && line.Split(',') is { Length: > 8 } columns && columns[8].Length > 0); // an evaluation row with SWD
        Assert.Contains("training 16x16 loss=hinge", run.Error); // what it trains, on standard error with the live progress line
    }

    [Fact]
    public void Resume_continues_from_the_checkpoint_to_the_new_total()
    {
        using var temp = new TempDirectory();
        Assert.Equal(0, Train(temp.Path, "--iterations", "10").ExitCode);

        var resumed = CommandLineRunner.Run("train", "--images", CommandLineRunner.FixtureImages, "--out", temp.Path,
            "--resume", Path.Combine(temp.Path, "final.ckpt"), "--iterations", "20");

        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Equal(20, resumed.Summary.GetProperty("iterations").GetInt64());
        Assert.Equal(10, resumed.Summary.GetProperty("iterationsThisRun").GetInt64());
        Assert.Contains("from iteration 10 to 20", resumed.Error);
    }

    [Fact]
    public void Minutes_budget_stops_the_run_with_a_final_checkpoint()
    {
        using var temp = new TempDirectory();
        var run = Train(temp.Path, "--iterations", "1000000", "--minutes", "0.02", "--evaluate-every", "0");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal("minutes", run.Summary.GetProperty("stoppedBy").GetString());
        Assert.InRange(run.Summary.GetProperty("iterations").GetInt64(), 1, 999_999);
        Assert.True(File.Exists(Path.Combine(temp.Path, "final.ckpt")));
    }

    [Fact]
    public void An_invalid_config_field_is_named_and_nothing_is_trained()
    {
        using var temp = new TempDirectory();
        var run = CommandLineRunner.Run("train", "--images", CommandLineRunner.FixtureImages, "--out", temp.Path,
            "--config", """{"loss":"bogus"}""");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("loss", run.Error);
        Assert.False(File.Exists(Path.Combine(temp.Path, "final.ckpt")));
    }

    [Theory]
    [InlineData("--minutes", "soon")]
    [InlineData("--resolution", "sixty")]
    public void Malformed_numbers_are_usage_errors(string option, string value)
    {
        using var temp = new TempDirectory();
        var run = CommandLineRunner.Run("train", "--images", CommandLineRunner.FixtureImages, "--out", temp.Path, option, value);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(option, run.Error);
    }

    [Fact]
    public void Missing_images_folder_is_a_usage_error()
    {
        using var temp = new TempDirectory();
        var run = CommandLineRunner.Run("train", "--images", temp.Sub("nowhere"), "--out", temp.Sub("out"));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--images", run.Error);
    }
}
