using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using GanService.Domain.Gan;
using GanService.Domain.Gan.Data;
using GanService.Domain.Gan.Training;
using GanService.Domain.Imaging;

namespace GanService.Worker.Cli;

/// <summary><c>train</c>: trains a GAN on a folder of images; writes checkpoints, sample grids, metrics.csv, final.ckpt.</summary>
internal sealed class TrainCommand : ICommand
{
    public string Name => "train";

    public string Summary => "train a GAN on a folder of images (checkpoints/, samples/, metrics.csv, final.ckpt)";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        OptionSpec.Value("images", "DIR", "folder of PNG/JPEG/WebP images (required)"),
        OptionSpec.Value("out", "DIR", "output folder, created if missing (required)"),
        OptionSpec.Value("preset", "P", $"{string.Join(" | ", GanPresets.Names)} (default {GanPresets.Default})"),
        OptionSpec.Value("config", "JSON", "config overrides as a JSON object, e.g. '{\"loss\":\"bce\"}'"),
        OptionSpec.Value("resolution", "N", "image side: 16, 32, 64, 128 or 256"),
        OptionSpec.Value("iterations", "N", "total iterations (with --resume: the new total)"),
        OptionSpec.Value("minutes", "M", "wall-clock budget; stops (with a final checkpoint) when spent"),
        OptionSpec.Value("seed", "S", "random seed (default: random, recorded)"),
        OptionSpec.Value("batch", "N", "batch size"),
        OptionSpec.Value("threads", "N", "torch threads (default: processor count; a resume keeps its own)"),
        OptionSpec.Value("resume", "FILE", "continue from a checkpoint (its config and thread count)"),
        OptionSpec.Value("sample-every", "N", "sample grid every N iterations"),
        OptionSpec.Value("checkpoint-every", "N", "checkpoint every N iterations"),
        OptionSpec.Value("evaluate-every", "N", "metrics every N iterations"),
        .. CleanupOptions.Specs,
    ];

    public int Run(CommandArguments arguments, TextWriter output, TextWriter error)
    {
        var imagesDirectory = arguments.ExistingDirectory("images");
        var outDirectory = Path.GetFullPath(arguments.RequiredText("out"));
        var resume = arguments.Text("resume");
        var minutes = arguments.Text("minutes") is { } m
            ? double.TryParse(m, NumberStyles.Float, CultureInfo.InvariantCulture, out var mv) && mv > 0 ? mv : throw new UsageException($"--minutes must be a positive number, got '{m}'")
            : (double?)null;

        GanConfig config;
        if (resume is not null)
        {
            if (!File.Exists(resume)) throw new UsageException($"--resume: file '{resume}' does not exist");
            using var s = File.OpenRead(resume);
            config = GanTrainer.ReadConfig(TrainingCheckpoint.ReadHeader(s).ConfigJson);
            if (arguments.Text("iterations") is not null)
            {
                config = config with { Iterations = arguments.Integer("iterations", config.Iterations, 1, 10_000_000) };
                error.WriteLine($"continuing to {config.Iterations} iterations");
            }
        }
        else
        {
            config = ResolveConfig(arguments);
        }

        var paths = ImageFolder.List(imagesDirectory);
        if (paths.Count == 0) throw new UsageException($"--images: no PNG, JPEG or WebP files in '{imagesDirectory}'");
        var sources = new List<TrainingImage>();
        foreach (var path in paths)
        {
            try
            {
                sources.Add(new TrainingImage(PixelImage.Decode(File.ReadAllBytes(path), config.Channels)));
            }
            catch (Exception problem) when (problem is ArgumentException or IOException)
            {
                error.WriteLine($"skipped {Path.GetFileName(path)}: {problem.Message}");
            }
        }

        var watch = Stopwatch.StartNew();
        using var data = TrainingData.Build(sources, config, GanDevice.Select());
        error.WriteLine($"{data.Count} images prepared at {config.Resolution}x{config.Resolution} in {watch.Elapsed.TotalSeconds:0.0} s");

        // A resume trains the checkpoint's config (its thread count too), with --iterations as the new total.
        // Read whole: the resumed file may be final.ckpt, which this run overwrites at its end.
        using var checkpoint = resume is null ? null : new MemoryStream(File.ReadAllBytes(resume));
        var options = new TrainingSessionOptions { Trainer = new GanTrainerOptions { LogEvery = 10 }, Budget = minutes is { } mm ? TimeSpan.FromMinutes(mm) : null };
        using var session = new TrainingSession(config, data, GanDevice.Select(), checkpoint, options);
        var trainer = session.Trainer;
        var c = trainer.Config;
        error.WriteLine($"training {c.Resolution}x{c.Resolution} loss={c.Loss} augment={c.Augment} batch={c.BatchSize} seed={c.Seed} threads={c.Threads} from iteration {trainer.Iteration} to {c.Iterations}");

        TrainingOutcome outcome;
        string? lastCheckpoint;
        using (var sink = new FolderTrainingSink(outDirectory, session, options.Budget, error))
        {
            outcome = session.RunAsync(sink).GetAwaiter().GetResult();
            lastCheckpoint = sink.LastCheckpoint;
        }
        error.WriteLine();
        // final.ckpt: the checkpoint at the stop, or after a divergence the last good one.
        if (lastCheckpoint is not null)
            File.Copy(lastCheckpoint, Path.Combine(outDirectory, "final.ckpt"), overwrite: true);
        WriteSummary(output, outDirectory, session, outcome, data.Count);
        return trainer.Stopped ? 1 : 0;
    }

    private static void WriteSummary(TextWriter output, string outDirectory, TrainingSession session, TrainingOutcome outcome, int images)
    {
        var trainer = session.Trainer;
        var c = trainer.Config;
        var done = outcome.IterationsDone;
        var seconds = outcome.Seconds;
        foreach (var d in trainer.Diagnoses)
            output.WriteLine($"[{d.Code} @ {d.Iteration}] {d.Message} {d.Suggestion}");
        output.WriteLine($"trained {done} iterations in {seconds:0.0} s ({done / seconds:0.00} it/s), stopped by {outcome.Stop.Reason}; final.ckpt in {outDirectory}");
        var e = trainer.LatestEvaluation;
        JsonSummary.Write(output, new
        {
            iterations = trainer.Iteration,
            iterationsThisRun = done,
            seconds = Math.Round(seconds, 2),
            iterationsPerSecond = Math.Round(done / seconds, 3),
            imagesPerSecond = Math.Round(done * c.BatchSize / seconds, 1),
            stoppedBy = outcome.Stop.Reason,
            images,
            seed = c.Seed,
            threads = c.Threads,
            skippedSteps = trainer.SkippedSteps,
            latest = trainer.LatestProgress,
            best = session.Best.Best,
            metrics = e is null ? null : new { swd = e.Swd, swdRealFloor = e.SwdRealFloor, diversity = e.Diversity, realDiversity = e.RealDiversity, nnRatio = e.NnRatio },
            diagnostics = trainer.Diagnoses.Select(d => new { code = d.Code, iteration = d.Iteration, message = d.Message, suggestion = d.Suggestion }),
            outDir = outDirectory,
        });
    }

    private static GanConfig ResolveConfig(CommandArguments arguments)
    {
        var overrides = arguments.JsonObject("config");
        void Set(string option, string field)
        {
            if (arguments.Text(option) is { } v)
                overrides[field] = int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : throw new UsageException($"--{option} must be a whole number, got '{v}'");
        }
        Set("resolution", "resolution");
        Set("iterations", "iterations");
        Set("seed", "seed");
        Set("batch", "batchSize");
        Set("sample-every", "sampleEvery");
        Set("checkpoint-every", "checkpointEvery");
        Set("evaluate-every", "evaluateEvery");
        Set("threads", "threads");
        var cleanup = CleanupOptions.From(arguments);
        if (cleanup != PreprocessOptions.Default && !overrides.ContainsKey("preprocess"))
            overrides["preprocess"] = System.Text.Json.JsonSerializer.SerializeToNode(cleanup, GanPresets.JsonOptions);
        var (config, errors) = GanPresets.TryResolve(arguments.Text("preset"), overrides);
        return config ?? throw new UsageException("invalid config: " + string.Join("; ", errors.Select(kv => $"{kv.Key}: {kv.Value}")));
    }
}
