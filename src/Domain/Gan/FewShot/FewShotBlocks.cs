using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GanService.Domain.Gan.FewShot;

/// <summary>
/// The building blocks of FastGAN (Liu et al. 2021; odegeasslbc/FastGAN-pytorch, models.py), every conv spectrally
/// normalised as there. Two kernels are written as exact Linear equivalents, because libtorch 2.10 computes those
/// shapes wrongly on some CPUs (docs: TORCHSHARP.md): the 4x4 ConvTranspose on G's 1x1 input, and the 4x4 conv that
/// covers the 4x4 pooled map in skip-layer excitation.
/// </summary>
internal static class FewShotBlocks
{
    /// <summary>Gated linear unit over channels: x[:, :C/2] * sigmoid(x[:, C/2:]).</summary>
    public static Tensor Glu(Tensor x)
    {
        var half = x.shape[1] / 2;
        return x.narrow(1, 0, half) * x.narrow(1, half, half).sigmoid();
    }

    /// <summary>An average-pooled copy of <paramref name="images"/> at <paramref name="size"/> (area resize: keeps thin lines).</summary>
    public static Tensor Downscale(Tensor images, long size) =>
        images.shape[2] == size ? images : F.avg_pool2d(images, images.shape[2] / size);

    public static SNConv2d Conv(long inChannels, long outChannels, long kernel, long stride = 1, long padding = 0) =>
        new(inChannels, outChannels, kernel, stride, padding, bias: false);
}

/// <summary>How <see cref="NoiseInjection"/> draws its noise.</summary>
public enum NoiseMode
{
    /// <summary>Fresh N(0, 1) per pixel and sample in training mode, from the generator's random source; fixed in eval mode.</summary>
    Random,

    /// <summary>The layer's fixed noise map, in training mode too (an image depends only on its latent, as StyleGAN2's "const").</summary>
    Constant,
}

/// <summary>feat + w * noise, w a learned scalar that starts at 0; noise (B, 1, H, W). FastGAN's NoiseInjection.</summary>
internal sealed class NoiseInjection : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Tensor constant; // (1, 1, H, W), a buffer: saved with the weights, so sampling is reproducible

    public NoiseInjection(long size) : base(nameof(NoiseInjection))
    {
        weight = nn.Parameter(zeros(1));
        constant = randn(1, 1, size, size);
        RegisterComponents();
    }

    public NoiseMode Mode { get; set; } = NoiseMode.Random;

    /// <summary>The random source for <see cref="NoiseMode.Random"/> (the trainer's checkpointed one); null = torch's global.</summary>
    public Generator? Random { get; set; }

    public override Tensor forward(Tensor feat)
    {
        // Sampling (eval mode) always uses the fixed map: the same latent gives the same image in any batch.
        var noise = Mode == NoiseMode.Constant || !training
            ? constant
            : randn([feat.shape[0], 1, feat.shape[2], feat.shape[3]], dtype: feat.dtype, generator: Random).to(feat.device);
        return feat + weight * noise;
    }
}

/// <summary>
/// Skip-layer excitation: feat_big * sigmoid(conv1x1(swish(conv4x4(pool4(feat_small))))). The 4x4 conv on the
/// 4x4 pooled map is a Linear over its C*16 values (the same weight matrix, so the same spectral norm).
/// </summary>
internal sealed class SkipLayerExcitation : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly SNLinear squeeze;
    private readonly SNLinear excite;

    public SkipLayerExcitation(long smallChannels, long bigChannels) : base(nameof(SkipLayerExcitation))
    {
        squeeze = new SNLinear(smallChannels * 16, bigChannels, bias: false);
        excite = new SNLinear(bigChannels, bigChannels, bias: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor featSmall, Tensor featBig)
    {
        using var scope = NewDisposeScope();
        var pooled = F.adaptive_avg_pool2d(featSmall, [4, 4]).flatten(1); // (B, C_small*16)
        var s = squeeze.forward(pooled);
        s = s * s.sigmoid();                                              // Swish
        var gate = excite.forward(s).sigmoid().view(-1, featBig.shape[1], 1, 1); // (B, C_big, 1, 1)
        return (featBig * gate).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// G's first layer: z (B, nz) → (2C) x 4 x 4, the exact equivalent of spectral_norm(ConvTranspose2d(nz, 2C, 4, 1, 0))
/// on a 1x1 input. The weight is kept as (2C, nz, 4, 4), the matrix PyTorch normalises for a ConvTranspose (dim 1).
/// </summary>
internal sealed class LatentProjection : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Tensor u;
    private readonly Tensor v;

    public LatentProjection(long latent, long outChannels) : base(nameof(LatentProjection))
    {
        weight = nn.Parameter(normal(0, 0.02, [outChannels, latent, 4, 4]));
        (u, v) = SpectralNorm.CreateVectors(weight);
        RegisterComponents();
    }

    public override Tensor forward(Tensor z)
    {
        using var scope = NewDisposeScope();
        var w = SpectralNorm.Normalize(weight, u, v, training);              // (2C, nz, 4, 4)
        var matrix = w.permute(1, 0, 2, 3).reshape(weight.shape[1], -1);      // (nz, 2C*16)
        var output = z.flatten(1).matmul(matrix).view(-1, weight.shape[0], 4, 4); // (2C) x 4 x 4
        MacCounter.Add(output.view(-1, weight.shape[0] * 16), matrix); // nz MACs per output value
        return output.MoveToOuterDisposeScope();
    }
}

/// <summary>
/// Nearest x2, 3x3 conv to 2*out, BN, GLU; a "double" block (FastGAN's UpBlockComp) adds noise before each BN and
/// repeats conv-noise-BN-GLU once.
/// </summary>
internal sealed class UpBlock : nn.Module<Tensor, Tensor>
{
    private readonly SNConv2d conv1;
    private readonly BatchNorm2d norm1;
    private readonly NoiseInjection? noise1;
    private readonly SNConv2d? conv2;
    private readonly BatchNorm2d? norm2;
    private readonly NoiseInjection? noise2;

    public UpBlock(long inChannels, long outChannels, long outSize, bool isDouble) : base(nameof(UpBlock))
    {
        conv1 = FewShotBlocks.Conv(inChannels, outChannels * 2, 3, padding: 1);
        norm1 = nn.BatchNorm2d(outChannels * 2);
        if (isDouble)
        {
            noise1 = new NoiseInjection(outSize);
            conv2 = FewShotBlocks.Conv(outChannels, outChannels * 2, 3, padding: 1);
            noise2 = new NoiseInjection(outSize);
            norm2 = nn.BatchNorm2d(outChannels * 2);
        }
        RegisterComponents();
    }

    public IEnumerable<NoiseInjection> Noises => new[] { noise1, noise2 }.OfType<NoiseInjection>();

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = F.interpolate(x, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest);
        y = conv1.forward(y);
        if (noise1 is not null) y = noise1.forward(y);
        y = FewShotBlocks.Glu(norm1.forward(y));
        if (conv2 is not null)
        {
            y = noise2!.forward(conv2.forward(y));
            y = FewShotBlocks.Glu(norm2!.forward(y));
        }
        return y.MoveToOuterDisposeScope();
    }
}

/// <summary>
/// D's down-sampling block (FastGAN's DownBlockComp): the mean of a main path (4x4 stride-2 conv, BN, LReLU, 3x3 conv,
/// BN, LReLU) and a skip path (2x2 average pool, 1x1 conv, BN, LReLU). Without the skip (FastGAN's DownBlock, for
/// the small branch): 4x4 stride-2 conv, BN, LReLU.
/// </summary>
internal sealed class DownBlock : nn.Module<Tensor, Tensor>
{
    private readonly SNConv2d down;
    private readonly BatchNorm2d downNorm;
    private readonly SNConv2d? refine;
    private readonly BatchNorm2d? refineNorm;
    private readonly SNConv2d? skip;
    private readonly BatchNorm2d? skipNorm;

    public DownBlock(long inChannels, long outChannels, bool withSkip) : base(nameof(DownBlock))
    {
        down = FewShotBlocks.Conv(inChannels, outChannels, 4, stride: 2, padding: 1);
        downNorm = nn.BatchNorm2d(outChannels);
        if (withSkip)
        {
            refine = FewShotBlocks.Conv(outChannels, outChannels, 3, padding: 1);
            refineNorm = nn.BatchNorm2d(outChannels);
            skip = FewShotBlocks.Conv(inChannels, outChannels, 1);
            skipNorm = nn.BatchNorm2d(outChannels);
        }
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var main = F.leaky_relu(downNorm.forward(down.forward(x)), 0.2);
        if (refine is null)
            return main.MoveToOuterDisposeScope();
        main = F.leaky_relu(refineNorm!.forward(refine.forward(main)), 0.2);
        var direct = F.leaky_relu(skipNorm!.forward(skip!.forward(F.avg_pool2d(x, 2))), 0.2);
        return ((main + direct) / 2).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// FastGAN's SimpleDecoder: from 8x8 features, up-blocks (nearest x2, 3x3 conv, BN, GLU) to the output size, a 3x3
/// conv to the image and tanh. Widths base x {16: 4, 32: 2, 64: 2, 128: 1} (FastGAN's base is 32 with ndf 64).
/// </summary>
internal sealed class SimpleDecoder : nn.Module<Tensor, Tensor>
{
    private static readonly double[] WidthMultipliers = [4, 2, 2, 1]; // at 16, 32, 64, 128
    private readonly ModuleList<UpBlock> ups = new();
    private readonly SNConv2d toImage;

    public SimpleDecoder(long inChannels, long channels, long baseWidth, long outputSize) : base(nameof(SimpleDecoder))
    {
        var width = inChannels;
        for (long size = 16, i = 0; size <= outputSize; size *= 2, i++)
        {
            var next = Math.Max(1, (long)(WidthMultipliers[i] * baseWidth));
            ups.Add(new UpBlock(width, next, size, isDouble: false)); // (next) x size x size
            width = next;
        }
        toImage = FewShotBlocks.Conv(width, channels, 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor features)
    {
        using var scope = NewDisposeScope();
        var x = F.adaptive_avg_pool2d(features, [8, 8]); // (C) x 8 x 8
        foreach (var up in ups)
            x = up.forward(x);
        return toImage.forward(x).tanh().MoveToOuterDisposeScope(); // (channels) x out x out
    }
}
