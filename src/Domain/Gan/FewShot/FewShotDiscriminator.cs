using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GanService.Domain.Gan.FewShot;

/// <summary>
/// FastGAN's self-supervised discriminator (Liu et al. 2021), for 32 to 1024 px. For 256 px with base ndf:
/// <code>
/// image 256   → 3x3 conv, LReLU                       // (ndf/4) x 256 x 256  (512: 4x4 s2; 1024: two of them)
/// DownBlock+skip → (ndf/2) x 128, → (ndf) x 64, → (2ndf) x 32 · SLE(256), → (4ndf) x 16 · SLE(128), → (8ndf) x 8 · SLE(64)
/// head: 1x1 conv (8ndf → 16ndf), BN, LReLU, 4x4 conv → 1   // 5 x 5 logits
/// small branch on the image at half size (at most 128): 4x4 s2 conv, LReLU, DownBlocks to (4ndf) x 8 x 8,
///   4x4 conv → 1                                          // 5 x 5 logits
/// decoders (real images only): from the 8x8 features, from the small branch, and from a random quadrant of the
///   16x16 features, each rebuilding the (augmented) input at min(R/2, 128) px
/// </code>
/// Score returns both maps' logits flattened (B*50 values). The small branch reads an area-downscaled copy of its
/// input, as lightweight-gan does, rather than a second output of G (FastGAN's to_128). A conditional D adds a
/// projection term (Miyato and Koyama 2018) per branch: &lt;embed(y), sum_xy features&gt;.
/// </summary>
public sealed class FewShotDiscriminator : nn.Module<Tensor, Tensor, Tensor>, ISelfSupervisedDiscriminator
{
    private readonly ModuleList<SNConv2d> stem = new();        // to min(R, 256) px
    private readonly BatchNorm2d? stemNorm;                     // 1024 px: after the second stride-2 conv
    private readonly ModuleList<DownBlock> downs = new();       // to 8x8
    private readonly ModuleList<SkipLayerExcitation> excitations = new(); // onto 32 ← 256, 16 ← 128, 8 ← 64
    private readonly List<long> _excited = [];                  // the sizes excitations[i] acts on
    private readonly SNConv2d headHidden;
    private readonly BatchNorm2d headNorm;
    private readonly SNConv2d head;
    private readonly SNConv2d smallStem;
    private readonly ModuleList<DownBlock> smallDowns = new();
    private readonly SNConv2d smallHead;
    private readonly SimpleDecoder decoderBig;
    private readonly SimpleDecoder decoderSmall;
    private readonly SimpleDecoder decoderPart;
    private readonly SNEmbedding? projectionBig;
    private readonly SNEmbedding? projectionSmall;
    private readonly long _top;        // size of the main branch after the stem: min(R, 256)
    private readonly long _smallSize;  // the small branch's input size: min(R/2, 128)

    public FewShotDiscriminator(GanConfig config) : base(nameof(FewShotDiscriminator))
    {
        if (config.Conditional && config.NumClasses < 2)
            throw new ArgumentException("A conditional discriminator needs numClasses >= 2.", nameof(config));
        Config = config;
        var b = config.DiscriminatorChannels;
        long r = config.Resolution;
        _top = Math.Min(r, 256);
        _smallSize = Math.Min(r / 2, 128);
        if (r <= 256)
        {
            stem.Add(FewShotBlocks.Conv(config.Channels, FewShotWidths.Discriminator(b, r), 3, padding: 1));
        }
        else
        {
            stem.Add(FewShotBlocks.Conv(config.Channels, FewShotWidths.Discriminator(b, r / 2), 4, stride: 2, padding: 1));
            if (r == 1024)
            {
                stem.Add(FewShotBlocks.Conv(FewShotWidths.Discriminator(b, 512), FewShotWidths.Discriminator(b, 256), 4, stride: 2, padding: 1));
                stemNorm = nn.BatchNorm2d(FewShotWidths.Discriminator(b, 256));
            }
        }
        for (var size = _top / 2; size >= 8; size /= 2)
        {
            downs.Add(new DownBlock(FewShotWidths.Discriminator(b, size * 2), FewShotWidths.Discriminator(b, size), withSkip: true));
            if (size * 8 <= _top && size <= 32)
            {
                excitations.Add(new SkipLayerExcitation(FewShotWidths.Discriminator(b, size * 8), FewShotWidths.Discriminator(b, size)));
                _excited.Add(size);
            }
        }
        var last = FewShotWidths.Discriminator(b, 8);
        headHidden = FewShotBlocks.Conv(last, FewShotWidths.Discriminator(b, 4), 1);
        headNorm = nn.BatchNorm2d(FewShotWidths.Discriminator(b, 4));
        head = FewShotBlocks.Conv(FewShotWidths.Discriminator(b, 4), 1, 4);

        smallStem = FewShotBlocks.Conv(config.Channels, FewShotWidths.SmallBranch(b, _smallSize / 2), 4, stride: 2, padding: 1);
        for (var size = _smallSize / 4; size >= 8; size /= 2)
            smallDowns.Add(new DownBlock(FewShotWidths.SmallBranch(b, size * 2), FewShotWidths.SmallBranch(b, size), withSkip: false));
        var smallLast = FewShotWidths.SmallBranch(b, 8);
        smallHead = FewShotBlocks.Conv(smallLast, 1, 4);

        var decoderWidth = Math.Max(1, b / 2);
        var decoded = DecodedSize;
        decoderBig = new SimpleDecoder(last, config.Channels, decoderWidth, decoded);
        decoderSmall = new SimpleDecoder(smallLast, config.Channels, decoderWidth, decoded);
        decoderPart = new SimpleDecoder(FewShotWidths.Discriminator(b, 16), config.Channels, decoderWidth, decoded);
        if (config.Conditional)
        {
            projectionBig = new SNEmbedding(config.NumClasses, last);
            projectionSmall = new SNEmbedding(config.NumClasses, smallLast);
        }
        RegisterComponents();
        GanInit.Dcgan(this);
    }

    public GanConfig Config { get; }

    public nn.Module Module => this;

    /// <summary>The size the decoders rebuild images at: min(R/2, 128) (FastGAN: 128 at 256 px and above).</summary>
    public long DecodedSize => Math.Min(Config.Resolution / 2, 128);

    public override Tensor forward(Tensor images, Tensor labels) => Score(images, labels);

    public Tensor Score(Tensor images, Tensor? labels = null) => Run(images, labels, part: null).Logits;

    public (Tensor Logits, Tensor Reconstruction) ScoreReal(Tensor images, Tensor? labels, Generator random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var part = randint(0, 4, [1], dtype: ScalarType.Int64, generator: random).item<long>();
        using var scope = NewDisposeScope();
        var result = Run(images, labels, part);
        var reconstruction = ReconstructionLoss(images, result.Big!, result.Small!, result.Part!, part);
        return (result.Logits.MoveToOuterDisposeScope(), reconstruction.MoveToOuterDisposeScope());
    }

    /// <summary>Logits, and for a real batch with a quadrant (0..3: top-left, top-right, bottom-left, bottom-right) the three reconstructions.</summary>
    public Outputs Run(Tensor images, Tensor? labels, long? part)
    {
        if (projectionBig is not null && labels is null)
            throw new ArgumentNullException(nameof(labels), "A conditional discriminator needs labels.");
        using var scope = NewDisposeScope();
        var x = images;
        for (var i = 0; i < stem.Count; i++)
        {
            x = stem[i].forward(x);
            if (i == 1) x = stemNorm!.forward(x);
            x = F.leaky_relu(x, 0.2);
        }
        var features = new Dictionary<long, Tensor> { [_top] = x }; // (w) x top x top
        var size = _top;
        foreach (var down in downs)
        {
            size /= 2;
            x = down.forward(x);                                     // (w_size) x size x size
            var excitation = _excited.IndexOf(size);
            if (excitation >= 0)
                x = excitations[excitation].forward(features[size * 8], x);
            features[size] = x;
        }
        var bigLogits = head.forward(F.leaky_relu(headNorm.forward(headHidden.forward(x)), 0.2)).flatten(1); // (B, 25)

        var small = smallStem.forward(FewShotBlocks.Downscale(images, _smallSize));
        small = F.leaky_relu(small, 0.2);
        foreach (var down in smallDowns)
            small = down.forward(small);                             // (4ndf) x 8 x 8 at the end
        var smallLogits = smallHead.forward(small).flatten(1);       // (B, 25)

        if (projectionBig is not null)
        {
            bigLogits = bigLogits + (projectionBig.forward(labels!) * x.sum([2, 3])).sum(1, keepdim: true);
            smallLogits = smallLogits + (projectionSmall!.forward(labels!) * small.sum([2, 3])).sum(1, keepdim: true);
        }
        var logits = cat([bigLogits.flatten(), smallLogits.flatten()]);
        if (part is not { } p)
            return new Outputs(logits.MoveToOuterDisposeScope(), null, null, null);
        var quadrant = Quadrant(features[16], p);                    // (4ndf) x 8 x 8
        return new Outputs(logits.MoveToOuterDisposeScope(),
            decoderBig.forward(x).MoveToOuterDisposeScope(),
            decoderSmall.forward(small).MoveToOuterDisposeScope(),
            decoderPart.forward(quadrant).MoveToOuterDisposeScope());
    }

    /// <summary>The decoders' loss on a real batch: the sum of the three terms (<see cref="GanConfig.Reconstruction"/>).</summary>
    public Tensor ReconstructionLoss(Tensor images, Tensor big, Tensor small, Tensor part, long quadrant)
    {
        using var scope = NewDisposeScope();
        var target = FewShotBlocks.Downscale(images, DecodedSize);
        var partTarget = FewShotBlocks.Downscale(Quadrant(images, quadrant), DecodedSize);
        var loss = Distance(big, target) + Distance(small, target) + Distance(part, partTarget);
        return loss.MoveToOuterDisposeScope();
    }

    private Tensor Distance(Tensor reconstruction, Tensor target)
    {
        var loss = (reconstruction - target).abs().mean();
        if (Config.Reconstruction == Gan.ReconstructionLoss.L1Gradients)
        {
            static Tensor Dx(Tensor t) => t[.., .., .., 1..] - t[.., .., .., ..^1];
            static Tensor Dy(Tensor t) => t[.., .., 1.., ..] - t[.., .., ..^1, ..];
            loss = loss + (Dx(reconstruction) - Dx(target)).abs().mean() + (Dy(reconstruction) - Dy(target)).abs().mean();
        }
        return loss;
    }

    /// <summary>FastGAN's crop_image_by_part: 0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right.</summary>
    public static Tensor Quadrant(Tensor x, long part)
    {
        var half = x.shape[2] / 2;
        return x.narrow(2, part / 2 * half, half).narrow(3, part % 2 * half, half);
    }

    /// <summary>Flattened logits of both heads, and for a real batch the images rebuilt from the 8x8 features, the small branch and a quadrant.</summary>
    public sealed record Outputs(Tensor Logits, Tensor? Big, Tensor? Small, Tensor? Part);
}
