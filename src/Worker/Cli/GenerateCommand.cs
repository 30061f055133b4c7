using System.Diagnostics;
using GanService.Domain.Gan;
using GanService.Domain.Gan.Data;
using GanService.Domain.Gan.Generation;
using GanService.Domain.Gan.Training;

namespace GanService.Worker.Cli;

/// <summary><c>generate</c>: N single PNGs from a checkpoint's (EMA) generator; the same seed gives the same bytes.</summary>
internal sealed class GenerateCommand : ICommand
{
    public string Name => "generate";

    public string Summary => "write N images from a checkpoint (same seed, same bytes)";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        OptionSpec.Value("checkpoint", "FILE", "checkpoint written by train, or a generator export (GET /api/runs/{id}/export) (required)"),
        OptionSpec.Value("count", "N", "number of images (default 16)"),
        OptionSpec.Value("seed", "S", "latent seed (default 0)"),
        OptionSpec.Value("label", "ID", "class id for a conditional run (default: random classes)"),
        OptionSpec.Value("out", "DIR", "folder for the PNGs, created if missing (required)"),
    ];

    public int Run(CommandArguments arguments, TextWriter output, TextWriter error)
    {
        var checkpoint = arguments.RequiredText("checkpoint");
        if (!File.Exists(checkpoint)) throw new UsageException($"--checkpoint: file '{checkpoint}' does not exist");
        var outDirectory = Path.GetFullPath(arguments.RequiredText("out"));
        var count = arguments.Integer("count", 16, 1, 100_000);
        var seed = arguments.Integer("seed", 0, 0, int.MaxValue);
        int? label = arguments.Text("label") is null ? null : arguments.Integer("label", 0, 0, 999);
        var watch = Stopwatch.StartNew();
        using var generator = Load(checkpoint);
        Directory.CreateDirectory(outDirectory);
        using var images = generator.Generate(count, seed, label);
        var pixels = TrainingData.ToPixelImages(images);
        for (var i = 0; i < pixels.Length; i++)
            File.WriteAllBytes(Path.Combine(outDirectory, $"seed{seed}_{i:D5}.png"), pixels[i].EncodePng());
        output.WriteLine($"wrote {count} images from iteration {generator.Iteration} to {outDirectory}");
        JsonSummary.Write(output, new { count, seed, iteration = generator.Iteration, resolution = generator.Config.Resolution, outDir = outDirectory, seconds = Math.Round(watch.Elapsed.TotalSeconds, 3) });
        return 0;
    }

    private static LoadedGenerator Load(string path)
    {
        using var stream = File.OpenRead(path);
        try
        {
            return LoadedGenerator.Load(stream, GanDevice.Select());
        }
        catch (Exception problem) when (problem is InvalidDataException or EndOfStreamException)
        {
            throw new UsageException($"--checkpoint: '{path}' is not a usable checkpoint or generator export: {problem.Message}");
        }
    }
}
