using System.Diagnostics;
using System.Text.Json.Nodes;
using GanService.Domain.Gan;
using GanService.Domain.Gan.Augmentation;
using GanService.Domain.Gan.Data;
using GanService.Domain.Gan.Losses;
using GanService.Domain.Gan.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Worker.Cli;

/// <summary>
/// <c>bench</c>: training speed on synthetic data; the share of step time outside the model (batch sampling,
/// latents, instance noise and augmentation, timed separately); fp32 matmul GFLOP/s; the training FLOP share.
/// </summary>
internal sealed class BenchCommand : ICommand
{
    public string Name => "bench";

    public string Summary => "training images/s on synthetic data, time outside the model, matmul GFLOP/s";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        OptionSpec.Value("preset", "P", $"{string.Join(" | ", GanPresets.Names)} (default {GanPresets.Default})"),
        OptionSpec.Value("resolution", "N", "image side (default: the preset's)"),
        OptionSpec.Value("channels", "N", "1 or 3 (default: the preset's)"),
        OptionSpec.Value("batch", "N", "batch size (default: the preset's)"),
        OptionSpec.Value("iterations", "N", "timed iterations (default 10, after 2 warm-up ones; the median is reported)"),
        OptionSpec.Value("width", "N", "generator and discriminator width ngf = ndf (default: the preset's)"),
        OptionSpec.Value("threads", "N", "torch threads (default: processor count)"),
        OptionSpec.Value("config", "JSON", "config overrides as a JSON object, as for train (the options above win)"),
    ];

    public int Run(CommandArguments arguments, TextWriter output, TextWriter error)
    {
        var overrides = arguments.JsonObject("config");
        void Set(string option, string field, int min, int max)
        {
            if (arguments.Text(option) is not null) overrides[field] = arguments.Integer(option, 0, min, max);
        }
        Set("resolution", "resolution", 16, 1024);
        Set("channels", "channels", 1, 3);
        Set("batch", "batchSize", 1, 1024);
        Set("width", "generatorChannels", 4, 1024);
        Set("width", "discriminatorChannels", 4, 1024);
        overrides["seed"] = 1;
        var (resolved, errors) = GanPresets.TryResolve(arguments.Text("preset"), overrides);
        var config = resolved ?? throw new UsageException("invalid config: " + string.Join("; ", errors.Select(kv => $"{kv.Key}: {kv.Value}")));
        var iterations = arguments.Integer("iterations", 10, 1, 100_000);
        var threads = arguments.Integer("threads", Environment.ProcessorCount, 1, 1024);
        var device = GanDevice.Select();

        using var data = Synthetic(config, 256, device);
        using var trainer = new GanTrainer(config, data, device, new GanTrainerOptions { Threads = threads, LogEvery = 1_000_000 });
        for (var i = 0; i < 2; i++) trainer.Step();
        Sync(device);
        // Resident memory after warm-up and every 100 iterations: it must stay flat (dispose scopes free every step).
        using var self = Process.GetCurrentProcess();
        long Rss() { self.Refresh(); return self.WorkingSet64; }
        var rssStart = Rss();
        var rssMax = rssStart;
        var rssTrace = new List<long>(); // every 100 iterations
        // The median iteration: this machine is shared and noisy, and a mean lets one stall move the figure.
        var stepTimes = new double[iterations];
        for (var i = 0; i < iterations; i++)
        {
            var start = Stopwatch.GetTimestamp();
            trainer.Step();
            Sync(device);
            stepTimes[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (i % 100 == 99)
            {
                var rss = Rss();
                rssMax = Math.Max(rssMax, rss);
                rssTrace.Add(rss);
            }
        }
        var rssEnd = Rss();
        rssMax = Math.Max(rssMax, rssEnd);
        var stepSeconds = Median(stepTimes);

        var outside = OutsideModelSeconds(config, data, trainer.AugmentP, iterations, device);
        var gflops = MatmulGflops(device);
        var flopsPerImage = GanFlops.TrainingFlopsPerImage(config);
        var achieved = flopsPerImage * config.BatchSize / stepSeconds / 1e9;
        var imagesPerSecond = config.BatchSize / stepSeconds;
        // The baselines are the textbook DCGAN step and FastGAN's step; other recipes have no PyTorch twin here.
        var baseline = config.Family == GanFamily.FastGan || config.Loss == GanService.Domain.Gan.GanLoss.Bce && !config.SpectralNorm && config.Augment == GanAugment.None
            ? PyTorchBaseline.TryRun(config, iterations, threads, error)
            : null;
        output.WriteLine($"{config.Resolution}x{config.Resolution}x{config.Channels} ngf={config.GeneratorChannels} ndf={config.DiscriminatorChannels} batch {config.BatchSize} loss {config.Loss} augment {config.Augment} on {device.type} with {threads} threads");
        output.WriteLine($"{stepSeconds:0.000} s/iteration, {imagesPerSecond:0.0} images/s; outside the model {outside / stepSeconds:P1}; model {achieved:0.0} GFLOP/s of {gflops:0.0} (matmul 2048²) = {achieved / gflops:P1}");
        output.WriteLine($"resident memory over {iterations} iterations: {rssStart / 1048576.0:0} MB after warm-up, {rssEnd / 1048576.0:0} MB at the end, {rssMax / 1048576.0:0} MB at most ({(double)(rssEnd - rssStart) / rssStart:+0.0%;-0.0%})");
        if (rssTrace.Count >= 4)
        {
            // Flat means: the second half of the run stays within 5% of its first sample (allocator pools fill early).
            var secondHalf = rssTrace.Skip(rssTrace.Count / 2).ToList();
            var drift = (double)(secondHalf.Max() - secondHalf[0]) / secondHalf[0];
            output.WriteLine($"  every 100 iterations (MB): {string.Join(" ", rssTrace.Select(r => (r / 1048576.0).ToString("0")))}; second half drifts {drift:+0.0%;-0.0%}");
        }
        if (config.Family == GanFamily.FastGan)
        {
            var (parameters, weightBytes, activationBytes) = GanFlops.FewShotMemory(config);
            output.WriteLine($"GPU memory estimate for this config: {parameters / 1e6:0.0} M parameters, {weightBytes / 1048576.0:0} MB weights + gradients + Adam, " +
                             $"{activationBytes / 1048576.0:0} MB activations at batch {config.BatchSize}: about {(weightBytes + activationBytes) / 1073741824.0:0.0} GB before allocator slack");
        }
        if (baseline is not null)
        {
            var bestGflops = Math.Max(gflops, baseline.MatmulGflops);
            var pytorchGflops = GanFlops.ReferenceTrainingFlopsPerImage(config) * baseline.ImagesPerSecond / 1e9;
            output.WriteLine($"PyTorch {baseline.Version} (same net, same run): {baseline.ImagesPerSecond:0.0} images/s ({pytorchGflops:0.0} GFLOP/s); ours is {imagesPerSecond / baseline.ImagesPerSecond:0.00}x. " +
                             $"Best matmul here {bestGflops:0.0} GFLOP/s (PyTorch's BLAS {baseline.MatmulGflops:0.0}); our training reaches {achieved / bestGflops:P1} of it");
        }
        JsonSummary.Write(output, new
        {
            imagesPerSecond = Math.Round(imagesPerSecond, 2),
            rssStartMb = Math.Round(rssStart / 1048576.0, 1),
            rssEndMb = Math.Round(rssEnd / 1048576.0, 1),
            rssMaxMb = Math.Round(rssMax / 1048576.0, 1),
            rssGrowth = Math.Round((double)(rssEnd - rssStart) / rssStart, 4),
            rssEvery100Mb = rssTrace.Select(r => Math.Round(r / 1048576.0, 1)),
            pytorchImagesPerSecond = baseline is null ? (double?)null : Math.Round(baseline.ImagesPerSecond, 2),
            ratioToPytorch = baseline is null ? (double?)null : Math.Round(imagesPerSecond / baseline.ImagesPerSecond, 3),
            pytorchMatmulGflops = baseline is null ? (double?)null : Math.Round(baseline.MatmulGflops, 1),
            bestMatmulShare = baseline is null ? (double?)null : Math.Round(achieved / Math.Max(gflops, baseline.MatmulGflops), 4),
            secondsPerIteration = Math.Round(stepSeconds, 4),
            outsideModelShare = Math.Round(outside / stepSeconds, 4),
            matmulGflops = Math.Round(gflops, 1),
            trainingGflops = Math.Round(achieved, 2),
            trainingFlopShare = Math.Round(achieved / gflops, 4),
            trainingFlopsPerImage = flopsPerImage,
            generatorMacsPerImage = GanFlops.GeneratorMacs(config),
            discriminatorMacsPerImage = GanFlops.DiscriminatorMacs(config),
            preset = arguments.Text("preset") ?? GanPresets.Default,
            resolution = config.Resolution,
            channels = config.Channels,
            batch = config.BatchSize,
            width = config.GeneratorChannels,
            iterations,
            threads,
            device = device.type.ToString(),
        });
        return 0;
    }

    private static TrainingData Synthetic(GanConfig config, int count, Device device)
    {
        using var g = new torch.Generator(7);
        using var scope = NewDisposeScope();
        var low = rand([count, config.Channels, config.Resolution / 4, config.Resolution / 4], generator: g);
        var images = (nn.functional.interpolate(low, [config.Resolution, config.Resolution], mode: InterpolationMode.Bilinear, align_corners: false) * 2 - 1).to(device);
        return TrainingData.FromTensor(images.MoveToOuterDisposeScope());
    }

    /// <summary>Seconds per iteration spent on what the trainer does besides G and D: batches, latents, noise, augmentation.</summary>
    private static double OutsideModelSeconds(GanConfig config, TrainingData data, double p, int iterations, Device device)
    {
        var augment = DiffAugment.For(config);
        var noise = config.InstanceNoise > 0 ? new InstanceNoise(config.InstanceNoise, config.Iterations) : null;
        using var gen = new torch.Generator(3);
        var batch = config.BatchSize;
        Tensor Prepare(Tensor x)
        {
            if (noise is not null) x = noise.Apply(x, 0, gen);
            if (augment is not null) x = augment.Apply(x, p, gen);
            return x;
        }
        Sync(device);
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++)
        {
            using var scope = NewDisposeScope();
            for (var k = 0; k < config.NCritic; k++)
            {
                var (real, _) = data.Sample(batch, gen);
                var z = randn([batch, config.LatentDim], generator: gen).to(device);
                var fake = real + z.mean() * 0; // a fake-shaped batch
                Prepare(real);
                Prepare(fake);
            }
            var zg = randn([batch, config.LatentDim], generator: gen).to(device);
            Prepare(data.Images.narrow(0, 0, Math.Min(batch, data.Count)) + zg.mean() * 0);
            Sync(device);
        }
        return watch.Elapsed.TotalSeconds / iterations;
    }

    private static double MatmulGflops(Device device)
    {
        const int n = 2048;
        using var scope = NewDisposeScope();
        using var g = new torch.Generator(11);
        var a = randn([n, n], generator: g).to(device);
        var b = randn([n, n], generator: g).to(device);
        a.matmul(b);
        Sync(device);
        // Best of 3 rounds of 5: the machine's rate, not its neighbours' load.
        const int reps = 5;
        var best = 0.0;
        for (var round = 0; round < 3; round++)
        {
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < reps; i++)
                a.matmul(b).Dispose();
            Sync(device);
            best = Math.Max(best, 2.0 * n * n * n * reps / watch.Elapsed.TotalSeconds / 1e9);
        }
        return best;
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static void Sync(Device device)
    {
        if (device.type == DeviceType.CUDA) torch.cuda.synchronize();
    }
}
