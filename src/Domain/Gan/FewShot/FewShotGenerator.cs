using System.Numerics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GanService.Domain.Gan.FewShot;

/// <summary>FastGAN's layer widths: base x {4: 16, 8: 8, 16: 4, 32: 2, 64: 2, 128: 1, 256: 1/2, 512: 1/4, 1024: 1/8}.</summary>
public static class FewShotWidths
{
    /// <summary>G's channels at a spatial size (4 to 1024).</summary>
    public static long Generator(int baseWidth, long size) => Math.Max(1, (long)(baseWidth * size switch
    {
        4 => 16.0,
        8 => 8.0,
        16 => 4.0,
        32 or 64 => 2.0,
        _ => 128.0 / size,
    }));

    /// <summary>D's main branch channels at a spatial size (8 to 1024): base x 64 / size (8x at 8x8, 1/4 at 256).</summary>
    public static long Discriminator(int baseWidth, long size) => Math.Max(1, baseWidth * 64L / size);

    /// <summary>D's small branch channels at a spatial size (8 to 64): half the main branch's.</summary>
    public static long SmallBranch(int baseWidth, long size) => Math.Max(1, baseWidth * 32L / size);
}

/// <summary>
/// FastGAN's generator (Liu et al. 2021) for 32 to 1024 px, 1 or 3 channels. For 256 px with base ngf:
/// <code>
/// z (B, nz)          → LatentProjection, BN, GLU  // (16ngf) x 4 x 4   [spectral_norm(ConvT(nz, 32ngf, 4)) on 1x1]
/// feat_8   = UpBlock double (16ngf → 8ngf)       // (8ngf) x 8 x 8
/// feat_16  = UpBlock        (8ngf → 4ngf)        // (4ngf) x 16 x 16
/// feat_32  = UpBlock double (4ngf → 2ngf)        // (2ngf) x 32 x 32
/// feat_64  = SLE(feat_4)  * UpBlock (2ngf → 2ngf)         // (2ngf) x 64 x 64
/// feat_128 = SLE(feat_8)  * UpBlock double (2ngf → ngf)   // (ngf) x 128 x 128
/// feat_256 = SLE(feat_16) * UpBlock (ngf → ngf/2)         // (ngf/2) x 256 x 256
/// image    = 3x3 conv (ngf/2 → channels)                  // (channels) x 256 x 256, no tanh (as FastGAN at 256/512)
/// </code>
/// 512 adds a double block with SLE from feat_32; 1024 a plain block. A conditional generator concatenates a learned
/// label embedding (nz wide) to z. In eval mode the noise layers use their fixed maps, so an image depends only on
/// its latent (and label).
/// </summary>
public sealed class FewShotGenerator : nn.Module<Tensor, Tensor, Tensor>, IGanGenerator
{
    private readonly Embedding? labelEmbedding;
    private readonly LatentProjection project;
    private readonly BatchNorm2d projectNorm;
    private readonly ModuleList<UpBlock> ups = new();                 // to 8, 16, ..., R
    private readonly ModuleList<SkipLayerExcitation> excitations = new(); // onto 64 ← 4, 128 ← 8, 256 ← 16, 512 ← 32 (ModuleDict breaks .to(dtype))
    private readonly SNConv2d toImage;

    public FewShotGenerator(GanConfig config) : base(nameof(FewShotGenerator))
    {
        if (config.Conditional && config.NumClasses < 2)
            throw new ArgumentException("A conditional generator needs numClasses >= 2.", nameof(config));
        Config = config;
        var b = config.GeneratorChannels;
        var inputDim = config.LatentDim;
        if (config.Conditional)
        {
            labelEmbedding = nn.Embedding(config.NumClasses, config.LatentDim); // N(0, 1), like z
            inputDim *= 2;
        }
        project = new LatentProjection(inputDim, 2 * FewShotWidths.Generator(b, 4));
        projectNorm = nn.BatchNorm2d(2 * FewShotWidths.Generator(b, 4));
        for (long size = 8; size <= config.Resolution; size *= 2)
        {
            // FastGAN's double blocks sit at 8, 32, 128 and 512.
            var isDouble = size is 8 or 32 or 128 or 512;
            ups.Add(new UpBlock(FewShotWidths.Generator(b, size / 2), FewShotWidths.Generator(b, size), size, isDouble));
            if (size is >= 64 and <= 512)
                excitations.Add(new SkipLayerExcitation(FewShotWidths.Generator(b, size / 16), FewShotWidths.Generator(b, size)));
        }
        toImage = FewShotBlocks.Conv(FewShotWidths.Generator(b, config.Resolution), config.Channels, 3, padding: 1);
        RegisterComponents();
        GanInit.Dcgan(this); // batch norm N(1, 0.02); the spectrally normalised convs initialise themselves N(0, 0.02)
    }

    public GanConfig Config { get; }

    public nn.Module Module => this;

    /// <summary>The noise layers, for <see cref="NoiseMode"/> and the random source.</summary>
    internal IEnumerable<NoiseInjection> Noises => ups.SelectMany(u => u.Noises);

    public void UseRandom(Generator random)
    {
        foreach (var noise in Noises)
            noise.Random = random;
    }

    /// <summary>Random (default) or the fixed maps in training mode too (for the PyTorch comparison).</summary>
    public void SetNoiseMode(NoiseMode mode)
    {
        foreach (var noise in Noises)
            noise.Mode = mode;
    }

    public override Tensor forward(Tensor z, Tensor labels) => Run(z, labels);

    public Tensor Generate(Tensor z, Tensor? labels = null)
    {
        if (labelEmbedding is not null && labels is null)
            throw new ArgumentNullException(nameof(labels), "A conditional generator needs labels.");
        return Run(z, labels);
    }

    private Tensor Run(Tensor z, Tensor? labels)
    {
        using var scope = NewDisposeScope();
        var input = labelEmbedding is null ? z.flatten(1) : cat([z.flatten(1), labelEmbedding.forward(labels!)], 1);
        var x = FewShotBlocks.Glu(projectNorm.forward(project.forward(input))); // (16ngf) x 4 x 4
        var features = new Dictionary<long, Tensor> { [4] = x };
        long size = 4;
        foreach (var up in ups)
        {
            size *= 2;
            x = up.forward(x);                                                 // (w_size) x size x size
            if (size is >= 64 and <= 512)
                x = excitations[BitOperations.Log2((ulong)size) - 6].forward(features[size / 16], x); // 64 → 0
            if (size <= 32)
                features[size] = x;
        }
        return toImage.forward(x).MoveToOuterDisposeScope(); // (channels) x R x R
    }
}
