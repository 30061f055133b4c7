using System.Text.Json;
using GanService.Domain.Gan.Augmentation;
using GanService.Domain.Gan.Data;
using GanService.Domain.Gan.Diagnosis;
using GanService.Domain.Gan.Generation;
using GanService.Domain.Gan.Losses;
using GanService.Domain.Gan.Metrics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using AdversarialLoss = GanService.Domain.Gan.Losses.GanLoss;
using LossNames = GanService.Domain.Gan.GanLoss;

namespace GanService.Domain.Gan.Training;

/// <summary>Trainer settings that are not part of a run's configuration.</summary>
public sealed record GanTrainerOptions
{
    /// <summary>Host syncs (loss and D output averages, a snapshot for the diagnostics) every N iterations.</summary>
    public int LogEvery { get; init; } = 10;

    /// <summary>torch threads; null = config.Threads, or the processor count when that is 0.</summary>
    public int? Threads { get; init; }

    /// <summary>Lazy R1: evaluated every N D steps and scaled by N (StyleGAN2: 16).</summary>
    public int R1Interval { get; init; } = 16;

    /// <summary>Images with fixed latents for sample grids.</summary>
    public int FixedSamples { get; init; } = 64;

    /// <summary>Generated images for an evaluation (and at most this many real ones).</summary>
    public int EvaluationSamples { get; init; } = 256;

    /// <summary>MS-SSIM pairs for the diversity measure.</summary>
    public int DiversityPairs { get; init; } = 128;

    /// <summary>SWD settings; null = ProGAN's.</summary>
    public SwdOptions? Swd { get; init; }

    public DiagnosticsOptions? Diagnostics { get; init; }
}

/// <summary>Averages over a logging interval.</summary>
public sealed record TrainingProgress(long Iteration, double LossD, double LossG, double DReal, double DFake, double? AugmentP, long SkippedSteps);

/// <summary>Metrics of one evaluation on the EMA generator.</summary>
public sealed record EvaluationResult(long Iteration, double Swd, double SwdRealFloor, double Diversity, double RealDiversity, double NnRatio, double NnCopyFraction);

/// <summary>
/// The GAN training loop, free of I/O: built from a configuration, a training tensor and a device. <see cref="Step"/>
/// runs one iteration (nCritic D steps, one G step, the EMA update); every <see cref="GanTrainerOptions.LogEvery"/>
/// iterations it syncs with the host once, logs a <see cref="TrainingProgress"/> and feeds a
/// <see cref="TrainingSnapshot"/> to <see cref="GanDiagnostics"/>. A diagnosis that says stop (divergence) sets
/// <see cref="Stopped"/>. <see cref="SaveCheckpoint"/>/<see cref="LoadCheckpoint"/> carry the whole state, so a
/// resumed run continues bit-exactly at the same thread count (recorded in <see cref="Config"/>).
/// </summary>
public sealed class GanTrainer : IDisposable
{
    private readonly Parts _parts;
    private readonly TrainingData _data;
    private readonly GanTrainerOptions _options;
    private readonly AdversarialLoss _loss;
    private readonly DiffAugment? _augment;
    private readonly InstanceNoise? _noise;
    private readonly GanDiagnostics _diagnostics;
    private readonly List<GanDiagnosis> _diagnoses = [];
    private readonly List<TrainingSnapshot> _history = [];
    private readonly Tensor _fixedZ;
    private readonly Tensor? _fixedLabels;
    private readonly Counters _counters = new();
    private Tensor _sums;               // lossD, lossG, dReal, dFake, nonFiniteLoss over the logging interval
    private int _sumsCount;
    private long _skippedAtLastLog;
    private SwdResult? _realFloor;
    private double? _realDiversity;

    public GanTrainer(GanConfig config, TrainingData data, Device? device = null, GanTrainerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(data);
        _options = options ?? new GanTrainerOptions();
        if (_options.LogEvery < 1) throw new ArgumentOutOfRangeException(nameof(options), "LogEvery must be at least 1.");
        var errors = config.Validate();
        if (errors.Count > 0) throw new GanConfigException(errors);
        if (data.Channels != config.Channels || data.Resolution != config.Resolution)
            throw new ArgumentException($"data is {data.Channels} x {data.Resolution}², the config asks for {config.Channels} x {config.Resolution}²", nameof(data));
        if (config.Conditional && data.Labels is null)
            throw new ArgumentException("a conditional run needs labeled data", nameof(data));

        var threads = _options.Threads ?? (config.Threads > 0 ? config.Threads : Environment.ProcessorCount);
        var seed = config.Seed ?? Random.Shared.Next();
        var numClasses = config.Conditional ? (config.NumClasses > 0 ? config.NumClasses : data.ClassCount) : config.NumClasses;
        Config = config with
        {
            Threads = threads, Seed = seed, NumClasses = numClasses,
            ClassNames = config.Conditional && data.ClassNames.Count > 0 ? data.ClassNames.ToList() : null,
        };
        Device = device ?? CPU;
        torch.set_num_threads(threads);
        _data = data.Images.device.type == Device.type ? data : throw new ArgumentException("data must live on the trainer's device", nameof(data));

        _parts = new Parts(Config, Device, _options.R1Interval);
        _loss = AdversarialLoss.For(Config.Loss switch
        {
            LossNames.Bce => GanLossKind.NonSaturating,
            LossNames.Hinge => GanLossKind.Hinge,
            LossNames.RandomHinge => GanLossKind.RandomHinge,
            _ => GanLossKind.Wasserstein,
        });
        _augment = DiffAugment.For(Config);
        _noise = Config.InstanceNoise > 0 ? new InstanceNoise(Config.InstanceNoise, Config.Iterations) : null;
        _diagnostics = new GanDiagnostics(_options.Diagnostics);

        using (var g = new Generator((ulong)seed + 7919))
        {
            _fixedZ = randn([_options.FixedSamples, Config.LatentDim], generator: g).to(Device).DetachFromDisposeScope();
            _fixedLabels = Config.Conditional
                ? (arange(_options.FixedSamples, dtype: ScalarType.Int64) % Config.NumClasses).to(Device).DetachFromDisposeScope()
                : null;
        }
        _sums = zeros(5, dtype: ScalarType.Float64, device: Device).DetachFromDisposeScope();
    }

    /// <summary>The configuration in effect, with the seed, thread count and class count recorded.</summary>
    public GanConfig Config { get; }

    public Device Device { get; }

    /// <summary>Iterations done.</summary>
    public long Iteration => _counters.Iteration;

    /// <summary>Optimiser steps skipped because their gradients were not finite (D and G together).</summary>
    public long SkippedSteps => _counters.SkippedD + _counters.SkippedG;

    public IGanGenerator Generator => _parts.G;

    public IGanDiscriminator Discriminator => _parts.D;

    /// <summary>The EMA generator, or null when emaDecay = 0.</summary>
    public IGanGenerator? EmaGenerator => _parts.GEma;

    /// <summary>The generator samples come from: the EMA one when there is one.</summary>
    public IGanGenerator SamplingGenerator => _parts.GEma ?? _parts.G;

    /// <summary>The adaptive augmentation probability (1 for diffaugment, 0 for none).</summary>
    public double AugmentP => _parts.Ada?.P ?? (_augment is null ? 0.0 : 1.0);

    /// <summary>The latest logged averages (null before the first log).</summary>
    public TrainingProgress? LatestProgress { get; private set; }

    /// <summary>The latest evaluation (null before the first).</summary>
    public EvaluationResult? LatestEvaluation { get; private set; }

    public IReadOnlyList<TrainingSnapshot> History => _history;

    public IReadOnlyList<GanDiagnosis> Diagnoses => _diagnoses;

    /// <summary>True once a diagnosis asked to stop (divergence).</summary>
    public bool Stopped { get; private set; }

    /// <summary>Raised after each logging interval.</summary>
    public event Action<TrainingProgress>? Logged;

    /// <summary>The config as JSON (camelCase), as stored in checkpoints.</summary>
    public string ConfigJson => JsonSerializer.Serialize(Config, GanPresets.JsonOptions);

    /// <summary>One training iteration. Returns true when a logging interval closed (then <see cref="LatestProgress"/> is new).</summary>
    public bool Step()
    {
        torch.set_num_threads(Config.Threads);
        var p = _parts;
        var gen = p.Random;
        var it = _counters.Iteration;
        var batch = Config.BatchSize;
        p.G.Module.train();
        p.D.Module.train();
        using (var scope = NewDisposeScope())
        {
            Tensor lossDValue = zeros(1, dtype: ScalarType.Float64, device: Device);
            Tensor dReal = lossDValue, dFake = lossDValue;
            Tensor generated = lossDValue;
            Tensor? gLabels = null;
            for (var k = 0; k < Config.NCritic; k++)
            {
                var (real, labels) = _data.Sample(batch, gen);
                if (Config.HorizontalFlip)
                    real = RandomFlip.Apply(real, gen);
                var z = randn([batch, Config.LatentDim], generator: gen).to(Device);
                var fakeLabels = FakeLabels(batch, gen);
                var lastCritic = k == Config.NCritic - 1;
                Tensor fake;
                if (lastCritic)
                {
                    // The G step reuses these fakes (as the DCGAN reference does): G's graph is kept, and G's
                    // weights do not change before that step, so one G forward serves both steps.
                    generated = p.G.Generate(z, fakeLabels);
                    gLabels = fakeLabels;
                    fake = generated.detach();
                }
                else
                {
                    using (no_grad())
                        fake = p.G.Generate(z, fakeLabels).detach();
                }
                p.OptD.zero_grad();
                var p0 = AugmentP;
                Func<Tensor, Tensor> dReals = x => p.D.Score(Prepare(x, it, p0, gen), labels);
                // A self-supervised D (FastGAN) also rebuilds the real batch; its decoders' loss joins D's.
                Tensor realLogits;
                Tensor? reconstruction = null;
                if (p.D is ISelfSupervisedDiscriminator selfSupervised)
                    (realLogits, reconstruction) = selfSupervised.ScoreReal(Prepare(real, it, p0, gen), labels, gen);
                else
                    realLogits = dReals(real);
                var fakeLogits = p.D.Score(Prepare(fake, it, p0, gen), fakeLabels);
                var lossD = _loss.Discriminator(realLogits, fakeLogits, gen);
                var total = reconstruction is null ? lossD : lossD + reconstruction;
                if (Config.Loss == LossNames.WganGp)
                {
                    // Interpolates pair reals with fakes of their own labels when conditional.
                    var gpLabels = labels;
                    var fakeForGp = fake;
                    if (Config.Conditional)
                    {
                        using (no_grad())
                            fakeForGp = p.G.Generate(z, labels).detach();
                    }
                    total = total + GradientPenalty.Wgan(x => p.D.Score(x, gpLabels), real, fakeForGp, 10.0, gen);
                }
                if (Config.R1Gamma > 0 && LazyRegularization.IsDue(_counters.DSteps, _options.R1Interval))
                    total = total + GradientPenalty.R1(dReals, real, Config.R1Gamma, _options.R1Interval);
                total.backward();
                if (!OptimizerStep.StepIfFinite(p.OptD, p.DParameters))
                    _counters.SkippedD++;
                _counters.DSteps++;
                UpdateAda(realLogits, batch);
                if (lastCritic)
                {
                    lossDValue = lossD.detach().to(ScalarType.Float64).reshape(1);
                    (dReal, dFake) = Confidence(realLogits, fakeLogits);
                }
            }

            // G step: the last critic step's fakes through the (augmented) D, with gradients into G. D's weights
            // are frozen for this backward: only the gradient with respect to its input is needed, and skipping
            // its weight gradients saves about a third of D's backward pass.
            p.OptG.zero_grad();
            SetRequiresGrad(p.DParameters, false);
            Tensor lossG;
            try
            {
                var logits = p.D.Score(Prepare(generated, it, AugmentP, gen), gLabels);
                lossG = _loss.Generator(logits);
                lossG.backward();
            }
            finally
            {
                SetRequiresGrad(p.DParameters, true);
            }
            if (!OptimizerStep.StepIfFinite(p.OptG, p.GParameters))
                _counters.SkippedG++;
            p.Ema?.Update();

            var lossGValue = lossG.detach().to(ScalarType.Float64).reshape(1);
            var nonFinite = (~isfinite(lossDValue) | ~isfinite(lossGValue)).to(ScalarType.Float64);
            var row = cat([nan_to_num(lossDValue, 0, 0, 0), nan_to_num(lossGValue, 0, 0, 0), dReal, dFake, nonFinite]);
            _sums.add_(row);
        }
        _sumsCount++;
        _counters.Iteration++;
        if (_counters.Iteration % _options.LogEvery == 0)
        {
            Log();
            return true;
        }
        return false;
    }

    /// <summary>Runs up to <paramref name="iterations"/> steps, stopping early when a diagnosis says so.</summary>
    public void Train(long iterations)
    {
        for (long i = 0; i < iterations && !Stopped; i++)
            Step();
    }

    /// <summary>Flushes the running averages into a log entry now (also done every LogEvery iterations).</summary>
    public TrainingProgress? Log()
    {
        if (_sumsCount == 0) return LatestProgress;
        double[] sums;
        using (NewDisposeScope())
        {
            sums = _sums.cpu().data<double>().ToArray(); // the one host sync of the interval
            _sums.zero_();
        }
        var n = _sumsCount;
        _sumsCount = 0;
        var skipped = SkippedSteps - _skippedAtLastLog;
        _skippedAtLastLog = SkippedSteps;
        var nonFinite = sums[4] > 0 || skipped > 0;
        var progress = new TrainingProgress(Iteration,
            sums[4] > 0 ? double.NaN : sums[0] / n, sums[4] > 0 ? double.NaN : sums[1] / n,
            sums[2] / n, sums[3] / n, _parts.Ada?.P, SkippedSteps);
        LatestProgress = progress;
        Observe(new TrainingSnapshot
        {
            Iteration = Iteration,
            LossD = progress.LossD,
            LossG = progress.LossG,
            DReal = progress.DReal,
            DFake = progress.DFake,
            AugmentP = progress.AugmentP,
            NonFinite = nonFinite,
        });
        Logged?.Invoke(progress);
        return progress;
    }

    /// <summary>Images from the fixed latents (same every call), by the EMA generator (or G when EMA is off), on the CPU.</summary>
    public Tensor SampleFixed() => Sample(SamplingGenerator, _fixedZ, _fixedLabels);

    /// <summary><paramref name="count"/> images from latents drawn with <paramref name="seed"/>, on the CPU.</summary>
    public Tensor Generate(int count, long seed) => GenerateImages(SamplingGenerator, count, seed, Device);

    /// <summary>
    /// SWD (x 1e3) against the training set, the real floor (once), diversity (mean MS-SSIM) of generated and real
    /// images, and the nearest-neighbour ratio, all on the sampling generator. Feeds the diagnostics.
    /// </summary>
    public EvaluationResult Evaluate()
    {
        var seed = Config.Seed!.Value;
        var count = Math.Max(2, Math.Min(_options.EvaluationSamples, Math.Max(_data.Count, 16)));
        using var scope = NewDisposeScope();
        var generated = GenerateImages(SamplingGenerator, count, seed + 104729L, Device);
        var real = _data.Images.cpu();
        if (real.shape[0] > _options.EvaluationSamples)
        {
            using var g = new Generator((ulong)seed + 15485863);
            var idx = randperm(real.shape[0], generator: g)[..(int)_options.EvaluationSamples];
            real = real.index_select(0, idx);
        }
        if (real.shape[0] >= 4)
            _realFloor ??= SlicedWasserstein.RealFloor(real, _options.Swd, seed);
        if (real.shape[0] >= 2)
            _realDiversity ??= Diversity.Compute(real, _options.DiversityPairs, seed);
        var result = Measure(Iteration, generated, real, _options, seed, _realFloor, _realDiversity);
        LatestEvaluation = result;
        Observe(new TrainingSnapshot
        {
            Iteration = Iteration,
            Swd = result.Swd,
            Diversity = result.Diversity,
            RealDiversity = _realDiversity,
            NnRatio = double.IsFinite(result.NnRatio) ? result.NnRatio : null,
            AugmentP = _parts.Ada?.P,
        });
        return result;
    }

    /// <summary>
    /// The evaluation's figures for generated images against real ones (each (N, C, R, R) in [-1, 1] on the CPU): the
    /// one measure for training and for scoring another program's samples (<c>GanService.Worker score</c>). The real
    /// set's own figures are computed unless given (a trainer computes them once per run).
    /// </summary>
    public static EvaluationResult Measure(long iteration, Tensor generated, Tensor real, GanTrainerOptions options, long seed,
        SwdResult? realFloor = null, double? realDiversity = null)
    {
        ArgumentNullException.ThrowIfNull(generated);
        ArgumentNullException.ThrowIfNull(real);
        ArgumentNullException.ThrowIfNull(options);
        using var scope = NewDisposeScope();
        var swd = SlicedWasserstein.Compute(generated, real, options.Swd, seed);
        realFloor ??= real.shape[0] >= 4 ? SlicedWasserstein.RealFloor(real, options.Swd, seed) : null;
        var diversity = Diversity.Compute(generated, options.DiversityPairs, seed);
        realDiversity ??= real.shape[0] >= 2 ? Diversity.Compute(real, options.DiversityPairs, seed) : null;
        var nn = real.shape[0] >= 2 ? NearestNeighbour.Compute(generated, real) : null;
        return new EvaluationResult(iteration, swd.Mean, realFloor?.Mean ?? double.NaN, diversity,
            realDiversity ?? double.NaN, nn?.Ratio ?? double.NaN, nn?.CopyFraction ?? double.NaN);
    }

    /// <summary>The whole training state: G, D, EMA G, both optimisers, iteration, RNG states, ADA, config JSON.</summary>
    public void SaveCheckpoint(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var content = _parts.Content(ConfigJson, Iteration);
        content.States["trainer"] = _counters;
        _counters.PendingAdaSum = _parts.PendingAdaSum?.item<double>() ?? 0;
        TrainingCheckpoint.Write(stream, content);
    }

    /// <summary>Loads a checkpoint of this configuration (as written by <see cref="SaveCheckpoint"/>) into this trainer.</summary>
    public void LoadCheckpoint(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var content = _parts.Content(ConfigJson, Iteration);
        content.States["trainer"] = _counters;
        TrainingCheckpoint.Read(stream, content);
        _parts.SetPendingAdaSum(_counters.PendingAdaSum);
        _sums.zero_();
        _sumsCount = 0;
        _skippedAtLastLog = SkippedSteps;
        torch.set_num_threads(Config.Threads);
    }

    /// <summary>A trainer for the run a checkpoint describes (its recorded config, threads included), restored.</summary>
    public static GanTrainer Resume(Stream stream, TrainingData data, Device? device = null, GanTrainerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var start = stream.Position;
        var header = TrainingCheckpoint.ReadHeader(stream);
        stream.Position = start;
        var config = ReadConfig(header.ConfigJson);
        var trainer = new GanTrainer(config, data, device, (options ?? new GanTrainerOptions()) with { Threads = config.Threads });
        trainer.LoadCheckpoint(stream);
        return trainer;
    }

    /// <summary>The config stored in a checkpoint.</summary>
    public static GanConfig ReadConfig(string json) =>
        JsonSerializer.Deserialize<GanConfig>(json, GanPresets.JsonOptions) ?? throw new InvalidDataException("checkpoint without a config");

    /// <summary>Images from latents drawn with <paramref name="seed"/> (CPU generator, so the same on any device), on the CPU.</summary>
    public static Tensor GenerateImages(IGanGenerator generator, int count, long seed, Device device, int? label = null, double? truncation = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        using var scope = NewDisposeScope();
        var (z, labels) = Latents.Draw(generator.Config, count, seed, label, truncation);
        return Sample(generator, z.to(device), labels?.to(device)).MoveToOuterDisposeScope();
    }

    private static void SetRequiresGrad(List<Parameter> parameters, bool requiresGrad)
    {
        foreach (var parameter in parameters)
            parameter.requires_grad = requiresGrad;
    }

    /// <summary>G(z) in eval mode without gradients, in chunks of 64, on the CPU, clamped to [-1, 1] (FastGAN's G has no tanh).</summary>
    internal static Tensor Sample(IGanGenerator generator, Tensor z, Tensor? labels)
    {
        var module = generator.Module;
        var wasTraining = module.training;
        module.eval();
        try
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            var chunks = new List<Tensor>();
            for (long s = 0; s < z.shape[0]; s += 64)
            {
                var e = Math.Min(z.shape[0], s + 64);
                chunks.Add(generator.Generate(z.narrow(0, s, e - s), labels?.narrow(0, s, e - s)).clamp(-1, 1).cpu());
            }
            return cat(chunks).MoveToOuterDisposeScope();
        }
        finally
        {
            if (wasTraining) module.train();
        }
    }

    private void Observe(TrainingSnapshot snapshot)
    {
        _history.Add(snapshot);
        foreach (var d in _diagnostics.Observe(snapshot))
            Report(d);
    }

    /// <summary>Adds a diagnosis made outside the trainer (the session's "stalled"); one that says stop stops training.</summary>
    public void Report(GanDiagnosis diagnosis)
    {
        ArgumentNullException.ThrowIfNull(diagnosis);
        _diagnoses.Add(diagnosis);
        if (diagnosis.StopTraining) Stopped = true;
    }

    private Tensor Prepare(Tensor x, long iteration, double p, Generator gen)
    {
        if (_noise is not null) x = _noise.Apply(x, iteration, gen);
        if (_augment is not null) x = _augment.Apply(x, p, gen);
        return x;
    }

    private Tensor? FakeLabels(int batch, Generator gen) => Config.Conditional
        ? randint(0, Config.NumClasses, [batch], dtype: ScalarType.Int64, generator: gen).to(Device)
        : null;

    /// <summary>
    /// ADA without a host sync per D step: sign sums build up on the device; the interval's last D step hands the
    /// total to <see cref="AdaptiveAugment.Update(double, long, long)"/> (the others pass zeros), which gives the
    /// same p as feeding each step's sum.
    /// </summary>
    private void UpdateAda(Tensor realLogits, int batch)
    {
        var ada = _parts.Ada;
        if (ada is null) return;
        var sum = realLogits.detach().sign().sum().to(ScalarType.Float64);
        _parts.AddPendingAda(sum);
        _counters.PendingAdaCount += realLogits.numel();
        if (_counters.DSteps % ada.Options.Interval == 0)
        {
            ada.Update(_parts.PendingAdaSum!.item<double>(), _counters.PendingAdaCount, batch);
            _parts.SetPendingAdaSum(0);
            _counters.PendingAdaCount = 0;
        }
        else
        {
            ada.Update(0, 0, batch);
        }
    }

    private (Tensor DReal, Tensor DFake) Confidence(Tensor realLogits, Tensor fakeLogits)
    {
        var real = realLogits.detach().to(ScalarType.Float64).flatten();
        var fake = fakeLogits.detach().to(ScalarType.Float64).flatten();
        if (_loss.Kind == GanLossKind.NonSaturating)
            return (real.sigmoid().mean().reshape(1), fake.sigmoid().mean().reshape(1));
        // Hinge and WGAN critics have no probability scale: the share on the "real" side of the midpoint.
        var centre = (real.mean() + fake.mean()) / 2;
        return ((real > centre).to(ScalarType.Float64).mean().reshape(1), (fake > centre).to(ScalarType.Float64).mean().reshape(1));
    }

    public void Dispose()
    {
        _parts.Dispose();
        _fixedZ.Dispose();
        _fixedLabels?.Dispose();
        _sums.Dispose();
    }

    /// <summary>Counters and partial accumulators that go into the checkpoint ("trainer" state).</summary>
    private sealed class Counters : ICheckpointable
    {
        public long Iteration;
        public long DSteps;
        public long SkippedD;
        public long SkippedG;
        public long PendingAdaCount;
        public double PendingAdaSum;

        public void Save(BinaryWriter writer)
        {
            writer.Write(1);
            writer.Write(Iteration); writer.Write(DSteps); writer.Write(SkippedD); writer.Write(SkippedG);
            writer.Write(PendingAdaCount); writer.Write(PendingAdaSum);
        }

        public void Load(BinaryReader reader)
        {
            if (reader.ReadInt32() != 1) throw new InvalidDataException("Unknown trainer state version.");
            Iteration = reader.ReadInt64(); DSteps = reader.ReadInt64(); SkippedD = reader.ReadInt64(); SkippedG = reader.ReadInt64();
            PendingAdaCount = reader.ReadInt64(); PendingAdaSum = reader.ReadDouble();
        }
    }

    /// <summary>The models, optimisers and stateful helpers of a run, built the same way for training and loading.</summary>
    internal sealed class Parts : IDisposable
    {
        public Parts(GanConfig config, Device device, int r1Interval)
        {
            Device = device;
            Random = new Generator((ulong)(config.Seed ?? 0) + 1);
            (G, D, GEma) = GanModels.Seeded(config.Seed ?? 0, () => (GanModels.CreateGenerator(config), GanModels.CreateDiscriminator(config),
                config.EmaDecay > 0 ? GanModels.CreateGenerator(config) : null));
            G.Module.to(device);
            D.Module.to(device);
            G.UseRandom(Random);
            GParameters = G.Module.parameters().ToList();
            DParameters = D.Module.parameters().ToList();
            if (GEma is not null)
            {
                GEma.Module.to(device);
                GEma.Module.eval();
                Ema = new ExponentialMovingAverage(G.Module, GEma.Module, config.EmaDecay, rampUp: true);
            }
            OptG = optim.Adam(GParameters, config.LrG, config.Beta1, config.Beta2);
            var (lrD, b1, b2) = config.R1Gamma > 0
                ? LazyRegularization.AdjustAdam(config.LrD, config.Beta1, config.Beta2, r1Interval)
                : (config.LrD, config.Beta1, config.Beta2);
            OptD = optim.Adam(DParameters, lrD, b1, b2);
            if (config.Augment == GanAugment.Adaptive)
                Ada = new AdaptiveAugment();
        }

        public Device Device { get; }
        public IGanGenerator G { get; }
        public IGanDiscriminator D { get; }
        public IGanGenerator? GEma { get; }
        public ExponentialMovingAverage? Ema { get; }
        public List<Parameter> GParameters { get; }
        public List<Parameter> DParameters { get; }
        public Adam OptG { get; }
        public Adam OptD { get; }
        public AdaptiveAugment? Ada { get; }
        public Generator Random { get; }
        public Tensor? PendingAdaSum { get; private set; }

        public void AddPendingAda(Tensor sum)
        {
            PendingAdaSum ??= zeros([], dtype: ScalarType.Float64, device: Device).DetachFromDisposeScope();
            PendingAdaSum.add_(sum);
        }

        public void SetPendingAdaSum(double value)
        {
            PendingAdaSum ??= zeros([], dtype: ScalarType.Float64, device: Device).DetachFromDisposeScope();
            PendingAdaSum.fill_(value);
        }

        public CheckpointContent Content(string configJson, long iteration)
        {
            var c = new CheckpointContent { ConfigJson = configJson, Iteration = iteration, IncludeDefaultGenerator = true };
            c.Modules["G"] = G.Module;
            c.Modules["D"] = D.Module;
            if (GEma is not null) c.Modules["G_ema"] = GEma.Module;
            c.Optimizers["G"] = OptG;
            c.Optimizers["D"] = OptD;
            c.Generators["train"] = Random;
            if (Ada is not null) c.States["ada"] = Ada;
            if (Ema is not null) c.States["ema"] = Ema;
            return c;
        }

        public void Dispose()
        {
            G.Dispose();
            D.Dispose();
            GEma?.Dispose();
            OptG.Dispose();
            OptD.Dispose();
            Random.Dispose();
            PendingAdaSum?.Dispose();
        }
    }
}
