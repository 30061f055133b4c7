using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GanService.Domain.Gan;

/// <summary>What the trainer needs from either discriminator.</summary>
public interface IGanDiscriminator : IDisposable
{
    GanConfig Config { get; }
    nn.Module Module { get; }

    /// <summary>Logits for images (B, channels, R, R): (B), or (B*k) for a patch discriminator; labels (B) int64 when conditional.</summary>
    Tensor Score(Tensor images, Tensor? labels = null);
}

/// <summary>
/// A discriminator that also learns to rebuild its real inputs (FastGAN's self-supervision): the trainer scores real
/// batches through <see cref="ScoreReal"/> and adds the reconstruction loss to D's loss.
/// </summary>
public interface ISelfSupervisedDiscriminator : IGanDiscriminator
{
    /// <summary>Logits for real images and the decoders' reconstruction loss on them; <paramref name="random"/> picks what to rebuild.</summary>
    (Tensor Logits, Tensor Reconstruction) ScoreReal(Tensor images, Tensor? labels, Generator random);
}

/// <summary>
/// DCGAN discriminator body, shared by <see cref="GanDiscriminator"/> and <see cref="ProjectionDiscriminator"/>.
/// For 64x64 with ndf = 64:
/// <code>
/// Conv(nc,    ndf,   4, 2, 1) LReLU       // (ndf) x 32 x 32
/// Conv(ndf,   ndf*2, 4, 2, 1) [BN] LReLU  // (ndf*2) x 16 x 16
/// Conv(ndf*2, ndf*4, 4, 2, 1) [BN] LReLU  // (ndf*4) x 8 x 8
/// Conv(ndf*4, ndf*8, 4, 2, 1) [BN] LReLU  // (ndf*8) x 4 x 4
/// </code>
/// Conv is a spectrally normalised <see cref="SNConv2d"/> when spectralNorm is on, else a Conv2d followed by
/// batch norm (<see cref="GanConfig.DiscriminatorBatchNorm"/>). LeakyReLU slope 0.2.
/// </summary>
internal sealed class DiscriminatorBody : nn.Module<Tensor, Tensor>
{
    private readonly Sequential downsample;

    public DiscriminatorBody(GanConfig config) : base(nameof(DiscriminatorBody))
    {
        var widths = GanArchitecture.DiscriminatorWidths(config);
        var batchNorm = config.DiscriminatorBatchNorm;
        var stages = new List<(string, nn.Module<Tensor, Tensor>)>();
        for (var i = 0; i < widths.Length; i++)
        {
            // (D_i) x R/2^(i+1) x R/2^(i+1)
            var inChannels = i == 0 ? config.Channels : widths[i - 1];
            var norm = batchNorm && i > 0;
            stages.Add(($"down{i}", config.SpectralNorm
                ? new SNConv2d(inChannels, widths[i], 4, stride: 2, padding: 1, bias: true)
                : nn.Conv2d(inChannels, widths[i], 4, stride: 2, padding: 1L, bias: !batchNorm)));
            if (norm)
                stages.Add(($"norm{i}", nn.BatchNorm2d(widths[i])));
            stages.Add(($"lrelu{i}", nn.LeakyReLU(0.2)));
        }
        downsample = nn.Sequential(stages);
        RegisterComponents();
        GanInit.Dcgan(this);
    }

    /// <summary>Features (B, D_{n-1}, 4, 4).</summary>
    public override Tensor forward(Tensor images) => downsample.forward(images);
}

internal static class DiscriminatorHead
{
    /// <summary>
    /// Flatten + Linear(D*16, 1): the exact equivalent of DCGAN's last layer Conv2d(D, 1, 4) on a 4x4 input,
    /// whose input gradient libtorch 2.10 gets wrong on this CPU (docs: TORCHSHARP.md).
    /// </summary>
    public static nn.Module<Tensor, Tensor> Create(GanConfig config)
    {
        var features = GanArchitecture.DiscriminatorWidths(config)[^1] * 16L;
        if (config.SpectralNorm)
            return new SNLinear(features, 1, bias: true);
        var linear = nn.Linear(features, 1, hasBias: !config.DiscriminatorBatchNorm);
        GanInit.Dcgan(linear);
        return linear;
    }
}

/// <summary>Unconditional discriminator: images (B, channels, R, R) → logits (B).</summary>
public sealed class GanDiscriminator : nn.Module<Tensor, Tensor>, IGanDiscriminator
{
    private readonly DiscriminatorBody body;
    private readonly nn.Module<Tensor, Tensor> head;

    public GanDiscriminator(GanConfig config) : base(nameof(GanDiscriminator))
    {
        Config = config;
        body = new DiscriminatorBody(config);
        head = DiscriminatorHead.Create(config);
        RegisterComponents();
    }

    public GanConfig Config { get; }
    public nn.Module Module => this;

    public override Tensor forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        var features = body.forward(images);                    // (D_{n-1}) x 4 x 4
        return head.forward(features.flatten(1)).view(-1).MoveToOuterDisposeScope(); // (B)
    }

    public Tensor Score(Tensor images, Tensor? labels = null) => forward(images);
}

/// <summary>
/// Projection discriminator (Miyato and Koyama 2018): logit = head(h) + &lt;embed(y), sum_xy h&gt;, where h are the
/// 4x4 features. The class embedding is spectrally normalised when spectralNorm is on.
/// </summary>
public sealed class ProjectionDiscriminator : nn.Module<Tensor, Tensor, Tensor>, IGanDiscriminator
{
    private readonly DiscriminatorBody body;
    private readonly nn.Module<Tensor, Tensor> head;
    private readonly nn.Module<Tensor, Tensor> classEmbedding;

    public ProjectionDiscriminator(GanConfig config) : base(nameof(ProjectionDiscriminator))
    {
        if (config.NumClasses < 2)
            throw new ArgumentException("A conditional discriminator needs numClasses >= 2.", nameof(config));
        Config = config;
        body = new DiscriminatorBody(config);
        head = DiscriminatorHead.Create(config);
        var width = GanArchitecture.DiscriminatorWidths(config)[^1];
        if (config.SpectralNorm)
        {
            classEmbedding = new SNEmbedding(config.NumClasses, width);
        }
        else
        {
            var embedding = nn.Embedding(config.NumClasses, width);
            using (no_grad())
                nn.init.normal_(embedding.weight, 0, 0.02);
            classEmbedding = embedding;
        }
        RegisterComponents();
    }

    public GanConfig Config { get; }
    public nn.Module Module => this;

    public override Tensor forward(Tensor images, Tensor labels)
    {
        using var scope = NewDisposeScope();
        var features = body.forward(images);                            // (D_{n-1}) x 4 x 4
        var unconditional = head.forward(features.flatten(1)).view(-1); // (B)
        var pooled = features.sum([2, 3]);                              // (B, D_{n-1})
        var projection = (classEmbedding.forward(labels) * pooled).sum(1); // (B)
        return (unconditional + projection).MoveToOuterDisposeScope();
    }

    public Tensor Score(Tensor images, Tensor? labels = null) =>
        forward(images, labels ?? throw new ArgumentNullException(nameof(labels), "A conditional discriminator needs labels."));
}
