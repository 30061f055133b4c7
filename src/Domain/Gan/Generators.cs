using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GanService.Domain.Gan;

/// <summary>What the trainer, sampler and exporter need from either generator.</summary>
public interface IGanGenerator : IDisposable
{
    GanConfig Config { get; }

    /// <summary>The module (for parameters, train/eval, to(), save/load).</summary>
    nn.Module Module { get; }

    /// <summary>
    /// Images (B, channels, R, R) from z (B, latentDim); labels (B) int64 when conditional. In [-1, 1] for a tanh
    /// output (DCGAN); FastGAN's G has none, so samples are clamped to [-1, 1] where they become pictures.
    /// </summary>
    Tensor Generate(Tensor z, Tensor? labels = null);

    /// <summary>The trainer's checkpointed random source, for layers that draw randomness in training (FastGAN's noise).</summary>
    void UseRandom(Generator random)
    {
    }
}

/// <summary>
/// DCGAN generator body, shared by <see cref="GanGenerator"/> and <see cref="ConditionalGenerator"/>. For
/// 64x64 with ngf = 64 (DCGAN):
/// <code>
/// input (B, inputDim)
/// Linear(inputDim, ngf*8*16) + view   // (ngf*8) x 4 x 4   [exact ConvTranspose2d(inputDim, ngf*8, 4, 1, 0) on 1x1]
/// BN, ReLU
/// ConvT(ngf*8, ngf*4, 4, 2, 1) BN ReLU // (ngf*4) x 8 x 8
/// ConvT(ngf*4, ngf*2, 4, 2, 1) BN ReLU // (ngf*2) x 16 x 16
/// ConvT(ngf*2, ngf,   4, 2, 1) BN ReLU // (ngf) x 32 x 32
/// ConvT(ngf,   nc,    4, 2, 1) Tanh    // (nc) x 64 x 64
/// </code>
/// Other resolutions add or drop middle stages (<see cref="GanArchitecture.GeneratorWidths"/>).
/// The first layer is a Linear because libtorch 2.10's ConvTranspose2d(nz, C, 4, 1) on a 1x1 input gives
/// silently wrong numbers on this CPU (docs: TORCHSHARP.md; GeneratorNumericsTests shows it).
/// </summary>
internal sealed class GeneratorBody : nn.Module<Tensor, Tensor>
{
    private readonly Linear project;
    private readonly BatchNorm2d projectNorm;
    private readonly Sequential upsample;
    private readonly long width0;

    public GeneratorBody(GanConfig config, int inputDim) : base(nameof(GeneratorBody))
    {
        var widths = GanArchitecture.GeneratorWidths(config);
        width0 = widths[0];
        project = nn.Linear(inputDim, width0 * 16, hasBias: false); // (C_0) x 4 x 4 after view
        projectNorm = nn.BatchNorm2d(width0);
        var stages = new List<(string, nn.Module<Tensor, Tensor>)>();
        for (var i = 1; i < widths.Length; i++)
        {
            // (C_i) x 4*2^i x 4*2^i
            stages.Add(($"up{i}", nn.ConvTranspose2d(widths[i - 1], widths[i], 4, stride: 2, padding: 1, bias: false)));
            stages.Add(($"norm{i}", nn.BatchNorm2d(widths[i])));
            stages.Add(($"relu{i}", nn.ReLU()));
        }
        // (channels) x R x R
        stages.Add(("toImage", nn.ConvTranspose2d(widths[^1], config.Channels, 4, stride: 2, padding: 1, bias: false)));
        stages.Add(("tanh", nn.Tanh()));
        upsample = nn.Sequential(stages);
        RegisterComponents();
        GanInit.Dcgan(this);
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = project.forward(input.flatten(1)).view(-1, width0, 4, 4); // (C_0) x 4 x 4
        x = nn.functional.relu(projectNorm.forward(x));
        return upsample.forward(x).MoveToOuterDisposeScope();
    }
}

/// <summary>Unconditional DCGAN generator: z (B, latentDim) → images (B, channels, R, R) in [-1, 1].</summary>
public sealed class GanGenerator : nn.Module<Tensor, Tensor>, IGanGenerator
{
    private readonly GeneratorBody body;

    public GanGenerator(GanConfig config) : base(nameof(GanGenerator))
    {
        Config = config;
        body = new GeneratorBody(config, config.LatentDim);
        RegisterComponents();
    }

    public GanConfig Config { get; }
    public nn.Module Module => this;

    public override Tensor forward(Tensor z) => body.forward(z);

    public Tensor Generate(Tensor z, Tensor? labels = null) => forward(z);
}

/// <summary>
/// Class-conditional generator: a learned label embedding (latentDim wide) is concatenated to z, then the
/// DCGAN body. z (B, latentDim), labels (B) int64 → images (B, channels, R, R).
/// </summary>
public sealed class ConditionalGenerator : nn.Module<Tensor, Tensor, Tensor>, IGanGenerator
{
    private readonly Embedding labelEmbedding;
    private readonly GeneratorBody body;

    public ConditionalGenerator(GanConfig config) : base(nameof(ConditionalGenerator))
    {
        if (config.NumClasses < 2)
            throw new ArgumentException("A conditional generator needs numClasses >= 2.", nameof(config));
        Config = config;
        labelEmbedding = nn.Embedding(config.NumClasses, config.LatentDim); // N(0, 1), like z
        body = new GeneratorBody(config, 2 * config.LatentDim);
        RegisterComponents();
    }

    public GanConfig Config { get; }
    public nn.Module Module => this;

    public override Tensor forward(Tensor z, Tensor labels)
    {
        using var scope = NewDisposeScope();
        var input = cat([z.flatten(1), labelEmbedding.forward(labels)], 1); // (B, 2*latentDim)
        return body.forward(input).MoveToOuterDisposeScope();
    }

    public Tensor Generate(Tensor z, Tensor? labels = null) =>
        forward(z, labels ?? throw new ArgumentNullException(nameof(labels), "A conditional generator needs labels."));
}
