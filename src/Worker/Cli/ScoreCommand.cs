using GanService.Domain.Gan.Data;
using GanService.Domain.Gan.Training;
using GanService.Domain.Imaging;
using static TorchSharp.torch;

namespace GanService.Worker.Cli;

/// <summary>
/// <c>score</c>: the training evaluation (<see cref="GanTrainer.Measure"/>: SWD x 1e3 and its real floor, diversity,
/// nearest-neighbour ratio) of a folder of generated images against a folder of real ones, so another program's samples
/// (bench/pytorch_fewshot_train.py) are scored by the same measure as our runs. Both folders are used as they are,
/// only resized: give it the real images as `prepare` wrote them.
/// </summary>
internal sealed class ScoreCommand : ICommand
{
    public string Name => "score";

    public string Summary => "SWD, diversity and nearest-neighbour ratio of generated images against real ones";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        OptionSpec.Value("real", "DIR", "the real images, as training saw them (e.g. the output of prepare)"),
        OptionSpec.Value("samples", "DIR", "the generated images"),
        OptionSpec.Value("resolution", "N", "side the images are compared at (default 64)"),
        OptionSpec.Value("channels", "N", "1 or 3 (default 1)"),
        OptionSpec.Value("seed", "S", "the seed of the metrics' random projections and pairs (default 1)"),
        OptionSpec.Value("count", "N", "at most this many of each (default 256, as a run's evaluation)"),
    ];

    public int Run(CommandArguments arguments, TextWriter output, TextWriter error)
    {
        var resolution = arguments.Integer("resolution", 64, 16, ImagePreprocessor.MaxResolution);
        var channels = arguments.Integer("channels", 1, 1, 3);
        var seed = arguments.Integer("seed", 1, 0, int.MaxValue);
        var options = new GanTrainerOptions();
        var count = arguments.Integer("count", options.EvaluationSamples, 2, 100_000);
        using var real = Load(arguments.ExistingDirectory("real"), "real", resolution, channels, count);
        using var generated = Load(arguments.ExistingDirectory("samples"), "samples", resolution, channels, count);
        var result = GanTrainer.Measure(0, generated, real, options with { EvaluationSamples = count }, seed);
        output.WriteLine($"SWD {result.Swd:F1} (real floor {result.SwdRealFloor:F1}), diversity {result.Diversity:F3} (real {result.RealDiversity:F3}), " +
                         $"nearest-neighbour ratio {result.NnRatio:F2}; {generated.shape[0]} samples against {real.shape[0]} real images");
        JsonSummary.Write(output, new
        {
            swd = result.Swd, swdRealFloor = result.SwdRealFloor, diversity = result.Diversity, realDiversity = result.RealDiversity,
            nnRatio = result.NnRatio, samples = generated.shape[0], real = real.shape[0], resolution, channels,
        });
        return 0;
    }

    /// <summary>The folder's first <paramref name="count"/> images (by name), resized only, as (N, C, R, R) in [-1, 1].</summary>
    private static Tensor Load(string directory, string option, int resolution, int channels, int count)
    {
        var paths = ImageFolder.List(directory);
        if (paths.Count < 2) throw new UsageException($"--{option}: fewer than 2 PNG, JPEG or WebP files in '{directory}'");
        var images = paths.Take(count)
            .Select(path => ImagePreprocessor.Prepare(PixelImage.Decode(File.ReadAllBytes(path), channels), resolution, PreprocessOptions.None))
            .ToList();
        return TrainingData.ToTensor(images, channels, resolution);
    }
}
