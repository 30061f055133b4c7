namespace GanService.Domain.Gan;

/// <summary>
/// Multiply-accumulates of the conv and linear layers per image (forward), counted from the architecture
/// (<see cref="GanArchitecture"/>); norms, activations and spectral norm's power iteration are left out.
/// </summary>
public static class GanFlops
{
    /// <summary>G: Linear(latent, C_0*16), then ConvT(4, stride 2) stages; a ConvT does Cin*Cout*16 MACs per input pixel.</summary>
    public static long GeneratorMacs(GanConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Family == GanFamily.FastGan) return Profile(config).GeneratorMacs;
        var w = GanArchitecture.GeneratorWidths(config);
        long macs = (long)config.LatentDim * w[0] * 16;
        long res = 4;
        for (var i = 1; i < w.Length; i++, res *= 2)
            macs += (long)w[i - 1] * w[i] * 16 * res * res;
        macs += (long)w[^1] * config.Channels * 16 * res * res;
        return macs;
    }

    /// <summary>D: Conv(4, stride 2) stages, Cout*Hout*Wout*Cin*16 MACs each, then Linear(D_{n-1}*16, 1).</summary>
    public static long DiscriminatorMacs(GanConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Family == GanFamily.FastGan) return Profile(config).RealMacs;
        var w = GanArchitecture.DiscriminatorWidths(config);
        long macs = 0;
        long res = config.Resolution / 2;
        for (var i = 0; i < w.Length; i++, res /= 2)
            macs += (long)(i == 0 ? config.Channels : w[i - 1]) * w[i] * 16 * res * res;
        return macs + w[^1] * 16L;
    }

    /// <summary>
    /// FLOPs (2 per MAC) the trainer performs in one iteration, per image of the batch; a backward pass costs about
    /// twice its forward, or about once when only the input gradient is needed. Each critic step runs D forward +
    /// backward on reals and on fakes (2 x 3 D); every critic step but the last draws its fakes from a no-grad G
    /// forward (1 G); the last one's fakes are kept for the G step, which runs G forward + backward (3 G) and D
    /// forward + input gradient only, D's weights being frozen (2 D).
    /// </summary>
    public static double TrainingFlopsPerImage(GanConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Family == GanFamily.FastGan)
        {
            // D on reals runs its decoders too; the G step's D forward needs the input gradient only (2 D).
            var f = Profile(config);
            return 2 * (3.0 * f.GeneratorMacs + 3.0 * f.RealMacs + 3.0 * f.FakeMacs + 2.0 * f.FakeMacs);
        }
        double g = GeneratorMacs(config), d = DiscriminatorMacs(config);
        var critic = config.NCritic * 6 * d + (config.NCritic - 1) * g;
        return 2 * (critic + 3 * g + 2 * d);
    }

    /// <summary>
    /// FLOPs per image of the textbook DCGAN iteration (the PyTorch reference): G forward, D on reals and fakes with
    /// backward (6 D), then D forward + full backward on the fakes (3 D) and G backward (2 G).
    /// </summary>
    public static double ReferenceTrainingFlopsPerImage(GanConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Family == GanFamily.FastGan)
        {
            // FastGAN's train.py: D's weights take gradients in the G step too (3 D).
            var f = Profile(config);
            return 2 * (3.0 * f.GeneratorMacs + 3.0 * f.RealMacs + 3.0 * f.FakeMacs + 3.0 * f.FakeMacs);
        }
        double g = GeneratorMacs(config), d = DiscriminatorMacs(config);
        return 2 * (config.NCritic * 6 * d + (config.NCritic - 1) * g + 3 * g + 3 * d);
    }

    /// <summary>
    /// The fastgan family's sizes per image, counted by running it once (<see cref="MacCounter"/>) and kept per config
    /// (building and running a 256-px net takes seconds): MACs and layer outputs of G, of D on a real image (both heads
    /// and the three decoders) and of D on a fake (both heads), and the parameter count.
    /// </summary>
    public sealed record FewShotProfile(long GeneratorMacs, long RealMacs, long FakeMacs, long GeneratorOutputs, long RealOutputs,
        long FakeOutputs, long GeneratorParameters, long DiscriminatorParameters);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<GanConfig, FewShotProfile> Profiles = new();

    public static FewShotProfile Profile(GanConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Profiles.GetOrAdd(config, static c =>
        {
            using var scope = TorchSharp.torch.NewDisposeScope();
            using var g = new FewShot.FewShotGenerator(c);
            using var d = new FewShot.FewShotDiscriminator(c);
            g.eval();
            d.eval();
            var z = TorchSharp.torch.randn(1, c.LatentDim);
            var labels = c.Conditional ? TorchSharp.torch.zeros(1, dtype: TorchSharp.torch.ScalarType.Int64) : null;
            var image = TorchSharp.torch.zeros(1, c.Channels, c.Resolution, c.Resolution);
            var gen = MacCounter.Count(() => g.Generate(z, labels));
            var real = MacCounter.Count(() => d.Run(image, labels, part: 0));
            var fake = MacCounter.Count(() => d.Score(image, labels));
            return new FewShotProfile(gen.Macs, real.Macs, fake.Macs, gen.Outputs, real.Outputs, fake.Outputs,
                g.parameters().Sum(p => p.numel()), d.parameters().Sum(p => p.numel()));
        });
    }

    /// <summary>
    /// An estimate of the memory one fastgan training step needs on a GPU, in bytes: float32 weights of G, D and
    /// the EMA G, their gradients and Adam's two moments (G and D), plus the activations alive at the peak (during
    /// D's backward: G's graph, kept for the G step, and D's graphs on reals and on fakes). A layer keeps about three
    /// tensors of its output size for backward (conv output, batch-norm output, activation), hence the factor 3.
    /// Leaves out the allocator's slack and cuDNN workspaces (typically a few hundred MB).
    /// </summary>
    public static (long Parameters, long WeightBytes, long ActivationBytes) FewShotMemory(GanConfig config)
    {
        var f = Profile(config);
        long gp = f.GeneratorParameters, dp = f.DiscriminatorParameters;
        var weights = 4L * (gp * 4 + dp * 4 + gp); // G, D: weight + gradient + two Adam moments; EMA G: weights
        var activations = 4L * 3 * (f.GeneratorOutputs + f.RealOutputs + f.FakeOutputs) * config.BatchSize;
        return (gp + dp, weights, activations);
    }
}
