using System.Diagnostics;
using System.Globalization;
using System.Text;
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
                config = config with { Iterations = arguments.Integer("iterations", config.Iterations, 1, 10_000_000) };
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
        var prepareSeconds = watch.Elapsed.TotalSeconds;
        error.WriteLine($"{data.Count} images prepared at {config.Resolution}x{config.Resolution} in {prepareSeconds:0.0} s");

        Directory.CreateDirectory(outDirectory);
        var checkpoints = Directory.CreateDirectory(Path.Combine(outDirectory, "checkpoints")).FullName;
        var samples = Directory.CreateDirectory(Path.Combine(outDirectory, "samples")).FullName;
        var options = new GanTrainerOptions { LogEvery = 10 };
        GanTrainer trainer;
        if (resume is not null)
        {
            using var s = File.OpenRead(resume);
            trainer = GanTrainer.Resume(s, data, GanDevice.Select(), options);
            // --iterations on resume changes the total only.
            if (trainer.Config.Iterations != config.Iterations)
                error.WriteLine($"continuing to {config.Iterations} iterations");
        }
        else
        {
            trainer = new GanTrainer(config, data, GanDevice.Select(), options with { Threads = arguments.Text("threads") is null ? null : arguments.Integer("threads", 1, 1, 1024) });
        }

        using (trainer)
        {
            var total = config.Iterations;
            var c = trainer.Config;
            error.WriteLine($"training {c.Resolution}x{c.Resolution} loss={c.Loss} augment={c.Augment} batch={c.BatchSize} seed={c.Seed} threads={c.Threads} from iteration {trainer.Iteration} to {total}");
            var metricsPath = Path.Combine(outDirectory, "metrics.csv");
            var newFile = !File.Exists(metricsPath) || resume is null;
            using var metrics = new StreamWriter(metricsPath, append: !newFile, new UTF8Encoding(false));
            if (newFile)
                metrics.WriteLine("iteration,seconds,lossD,lossG,dReal,dFake,augmentP,skippedSteps,swd,swdRealFloor,diversity,realDiversity,nnRatio");

            var trainWatch = Stopwatch.StartNew();
            var startIteration = trainer.Iteration;
            var budget = minutes is { } mm ? TimeSpan.FromMinutes(mm) : TimeSpan.MaxValue;
            var stopReason = "iterations";
            var lastLine = TimeSpan.Zero;
            while (trainer.Iteration < total)
            {
                if (trainWatch.Elapsed >= budget) { stopReason = "minutes"; break; }
                if (trainer.Stopped) { stopReason = "diagnosis"; break; }
                if (trainer.Step())
                {
                    var p = trainer.LatestProgress!;
                    metrics.WriteLine(Csv(p.Iteration, trainWatch.Elapsed.TotalSeconds, p.LossD, p.LossG, p.DReal, p.DFake, p.AugmentP, p.SkippedSteps));
                    if (trainWatch.Elapsed - lastLine > TimeSpan.FromSeconds(1))
                    {
                        lastLine = trainWatch.Elapsed;
                        var done = trainer.Iteration - startIteration;
                        var rate = done / trainWatch.Elapsed.TotalSeconds;
                        // Whichever ends first: the remaining iterations at this rate, or the --minutes budget.
                        var eta = TimeSpan.FromSeconds(Math.Min((total - trainer.Iteration) / Math.Max(rate, 1e-9),
                            budget == TimeSpan.MaxValue ? double.MaxValue : (budget - trainWatch.Elapsed).TotalSeconds));
                        error.Write($"\rit {trainer.Iteration}/{total}  {rate:0.00} it/s  lossD {p.LossD:0.000}  lossG {p.LossG:0.000}  D(real) {p.DReal:0.00}  D(fake) {p.DFake:0.00}  p {trainer.AugmentP:0.000}  ETA {(int)eta.TotalHours}:{eta:mm\\:ss}   ");
                    }
                }
                var it = trainer.Iteration;
                if (c.SampleEvery > 0 && it % c.SampleEvery == 0) WriteSamples(trainer, samples);
                if (c.CheckpointEvery > 0 && it % c.CheckpointEvery == 0) WriteCheckpoint(trainer, Path.Combine(checkpoints, $"iter_{it:D7}.ckpt"));
                if (c.EvaluateEvery > 0 && it % c.EvaluateEvery == 0) Evaluate(trainer, metrics, trainWatch, error);
            }
            if (trainer.Stopped) stopReason = "diagnosis";
            error.WriteLine();
            trainer.Log();
            var seconds = trainWatch.Elapsed.TotalSeconds;
            WriteSamples(trainer, samples);
            var final = Evaluate(trainer, metrics, trainWatch, error);
            WriteCheckpoint(trainer, Path.Combine(checkpoints, $"iter_{trainer.Iteration:D7}.ckpt"));
            WriteCheckpoint(trainer, Path.Combine(outDirectory, "final.ckpt"));
            metrics.Flush();
            var done2 = trainer.Iteration - startIteration;
            foreach (var d in trainer.Diagnoses)
                output.WriteLine($"[{d.Code} @ {d.Iteration}] {d.Message} {d.Suggestion}");
            output.WriteLine($"trained {done2} iterations in {seconds:0.0} s ({done2 / seconds:0.00} it/s), stopped by {stopReason}; final.ckpt in {outDirectory}");
            JsonSummary.Write(output, new
            {
                iterations = trainer.Iteration,
                iterationsThisRun = done2,
                seconds = Math.Round(seconds, 2),
                iterationsPerSecond = Math.Round(done2 / seconds, 3),
                imagesPerSecond = Math.Round(done2 * c.BatchSize / seconds, 1),
                stoppedBy = stopReason,
                images = data.Count,
                seed = c.Seed,
                threads = c.Threads,
                skippedSteps = trainer.SkippedSteps,
                latest = trainer.LatestProgress,
                metrics = new { swd = final.Swd, swdRealFloor = final.SwdRealFloor, diversity = final.Diversity, realDiversity = final.RealDiversity, nnRatio = final.NnRatio },
                diagnostics = trainer.Diagnoses.Select(d => new { code = d.Code, iteration = d.Iteration, message = d.Message, suggestion = d.Suggestion }),
                outDir = outDirectory,
            });
            return trainer.Stopped ? 1 : 0;
        }
    }

    private static GanConfig ResolveConfig(CommandArguments arguments)
    {
        JsonObject overrides;
        try
        {
            overrides = arguments.Text("config") is { } json ? JsonNode.Parse(json) as JsonObject ?? throw new UsageException("--config must be a JSON object") : [];
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new UsageException($"--config is not valid JSON: {e.Message}");
        }
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
        var cleanup = CleanupOptions.From(arguments);
        if (cleanup != PreprocessOptions.Default && !overrides.ContainsKey("preprocess"))
            overrides["preprocess"] = System.Text.Json.JsonSerializer.SerializeToNode(cleanup, GanPresets.JsonOptions);
        var (config, errors) = GanPresets.TryResolve(arguments.Text("preset"), overrides);
        return config ?? throw new UsageException("invalid config: " + string.Join("; ", errors.Select(kv => $"{kv.Key}: {kv.Value}")));
    }

    private static EvaluationResult Evaluate(GanTrainer trainer, StreamWriter metrics, Stopwatch watch, TextWriter error)
    {
        var e = trainer.Evaluate();
        metrics.WriteLine(Csv(e.Iteration, watch.Elapsed.TotalSeconds, null, null, null, null, null, trainer.SkippedSteps) +
            FormattableString.Invariant($",{e.Swd:G6},{e.SwdRealFloor:G6},{e.Diversity:G6},{e.RealDiversity:G6},{e.NnRatio:G6}"));
        metrics.Flush();
        error.Write(FormattableString.Invariant($"\r[eval @ {e.Iteration}] swd {e.Swd:0.00} (real floor {e.SwdRealFloor:0.00})  diversity {e.Diversity:0.000} (real {e.RealDiversity:0.000})  nn ratio {e.NnRatio:0.00}") + Environment.NewLine);
        return e;
    }

    private static string Csv(long it, double seconds, double? lossD, double? lossG, double? dReal, double? dFake, double? p, long skipped)
    {
        static string F(double? v) => v is { } x ? x.ToString("G6", CultureInfo.InvariantCulture) : "";
        return $"{it},{F(seconds)},{F(lossD)},{F(lossG)},{F(dReal)},{F(dFake)},{F(p)},{skipped}";
    }

    private static void WriteSamples(GanTrainer trainer, string directory)
    {
        using var images = trainer.SampleFixed();
        File.WriteAllBytes(Path.Combine(directory, $"iter_{trainer.Iteration:D7}.png"), ContactSheet.Render(TrainingData.ToPixelImages(images)));
    }

    private static void WriteCheckpoint(GanTrainer trainer, string path)
    {
        var temporary = path + ".tmp";
        using (var stream = File.Create(temporary))
            trainer.SaveCheckpoint(stream);
        File.Move(temporary, path, overwrite: true);
    }
}
