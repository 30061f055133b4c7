using System.Diagnostics;
using GanService.Domain.Imaging;

namespace GanService.Worker.Cli;

/// <summary><c>prepare</c>: writes every image of a folder as training will see it (gray PNG, same stem).</summary>
internal sealed class PrepareCommand : ICommand
{
    public const int DefaultResolution = 64;

    public string Name => "prepare";

    public string Summary => "write each image as training will see it (PNG, same file stem)";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        OptionSpec.Value("images", "DIR", "folder of PNG/JPEG/WebP images (required)"),
        OptionSpec.Value("out", "DIR", "folder to write the PNGs to, created if missing (required)"),
        OptionSpec.Value("resolution", "N", $"output side in pixels (default {DefaultResolution})"),
        .. CleanupOptions.Specs,
    ];

    public int Run(CommandArguments arguments, TextWriter output, TextWriter error)
    {
        var imagesDirectory = arguments.ExistingDirectory("images");
        var outDirectory = Path.GetFullPath(arguments.RequiredText("out"));
        var resolution = arguments.Integer("resolution", DefaultResolution, 1, ImagePreprocessor.MaxResolution);
        var options = CleanupOptions.From(arguments);

        var paths = ImageFolder.List(imagesDirectory);
        if (paths.Count == 0)
        {
            throw new UsageException($"--images: no PNG, JPEG or WebP files in '{imagesDirectory}'");
        }

        Directory.CreateDirectory(outDirectory);
        var failures = new List<string>();
        var watch = Stopwatch.StartNew();
        Parallel.ForEach(paths, path =>
        {
            try
            {
                var image = PixelImage.Decode(File.ReadAllBytes(path), channels: 1);
                var prepared = ImagePreprocessor.Prepare(image, resolution, options);
                File.WriteAllBytes(Path.Combine(outDirectory, Path.GetFileNameWithoutExtension(path) + ".png"), prepared.EncodePng());
            }
            catch (Exception problem) when (problem is ArgumentException or IOException)
            {
                lock (failures)
                {
                    failures.Add($"{Path.GetFileName(path)}: {problem.Message}");
                }
            }
        });
        watch.Stop();

        foreach (var failure in failures.Order(StringComparer.Ordinal))
        {
            error.WriteLine($"skipped {failure}");
        }

        var written = paths.Count - failures.Count;
        output.WriteLine($"prepared {written} of {paths.Count} images at {resolution}x{resolution} into {outDirectory} in {watch.Elapsed.TotalSeconds:0.00} s");
        JsonSummary.Write(output, new
        {
            images = paths.Count,
            written,
            failed = failures.Count,
            resolution,
            outDir = outDirectory,
            seconds = Math.Round(watch.Elapsed.TotalSeconds, 3),
        });
        return failures.Count == 0 ? 0 : 1;
    }
}
