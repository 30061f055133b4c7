using System.Security.Cryptography;
using GanService.Domain.Gan;
using GanService.Domain.Gan.Data;
using GanService.Domain.Imaging;

namespace GanService.Worker.Cli;

/// <summary>
/// <c>bench-data</c>: what <see cref="TrainingDataCache"/> saves a run that starts on a set this process has prepared
/// before (a resume, a preemption, a fork, the runs of a sweep): the job's miss (read the stored images, decode, clean,
/// build the tensor) against its hit (key the set from its content hashes, lease the cached tensor).
/// </summary>
internal sealed class BenchDataCommand : ICommand
{
    public string Name => "bench-data";

    public string Summary => "time to prepare a training set cold (decode + clean) and from the training-data cache";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        OptionSpec.Value("images", "DIR", "folder of images (default ../shared/datasets/symbola176)"),
        OptionSpec.Value("resolution", "N", "training resolution (default 64)"),
        OptionSpec.Value("channels", "N", "1 or 3 (default 1)"),
        OptionSpec.Value("repeat", "N", "timing runs after one warm-up; the median is reported (default 3)"),
        .. CleanupOptions.Specs,
    ];

    public int Run(CommandArguments arguments, TextWriter output, TextWriter error)
    {
        var directory = BenchSupport.DatasetDirectory(arguments, "images", "symbola176");
        var resolution = arguments.Integer("resolution", 64, 16, 256);
        var channels = arguments.Integer("channels", 1, 1, 3);
        var repeat = arguments.Integer("repeat", 3, 1, 100);
        var (resolved, errors) = GanPresets.TryResolve("small-data", new() { ["resolution"] = resolution, ["channels"] = channels });
        var config = (resolved ?? throw new UsageException("invalid config: " + string.Join("; ", errors.Select(kv => $"{kv.Key}: {kv.Value}"))))
            with { Preprocess = CleanupOptions.From(arguments) };
        var paths = ImageFolder.List(directory);
        if (paths.Count == 0) throw new UsageException($"--images: no PNG, JPEG or WebP files in '{directory}'");

        // The job has each image's content hash from its database row; here it is the file's, taken once outside the timing.
        var sources = paths.Select(path => new TrainingSource(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))))).ToList();
        TrainingData Build() => TrainingData.Build(paths.Select(path => new TrainingImage(PixelImage.Decode(File.ReadAllBytes(path), channels))).ToList(), config);

        var coldMs = BenchSupport.MedianMilliseconds(repeat, () =>
        {
            using var empty = new TrainingDataCache(long.MaxValue);
            using var lease = empty.GetOrBuild(TrainingDataKey.For(sources, config), Build);
        });
        using var cache = new TrainingDataCache(long.MaxValue);
        cache.GetOrBuild(TrainingDataKey.For(sources, config), Build).Dispose();
        var cachedMs = BenchSupport.MedianMilliseconds(repeat, () =>
        {
            using var lease = cache.GetOrBuild(TrainingDataKey.For(sources, config), () => throw new InvalidOperationException("expected a cache hit"));
        });

        var megabytes = cache.Bytes / 1048576.0;
        output.WriteLine($"{paths.Count} images from {directory} at {resolution}x{resolution}x{channels} ({megabytes:0.0} MB tensor), median of {repeat}:");
        output.WriteLine($"  cold (read, decode, clean, tensor)  {coldMs,10:0.0} ms");
        output.WriteLine($"  cached (key, lease)                 {cachedMs,10:0.000} ms   ({coldMs / cachedMs:0}x)");
        JsonSummary.Write(output, new
        {
            images = paths.Count,
            resolution,
            channels,
            tensorMegabytes = Math.Round(megabytes, 2),
            coldMilliseconds = Math.Round(coldMs, 1),
            cachedMilliseconds = Math.Round(cachedMs, 3),
            threads = Environment.ProcessorCount,
        });
        return 0;
    }
}
