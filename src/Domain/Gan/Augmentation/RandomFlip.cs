using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Domain.Gan.Augmentation;

/// <summary>Random horizontal flip of real images (FastGAN's and lightweight-gan's data loaders): each sample with probability 1/2.</summary>
public static class RandomFlip
{
    /// <summary>x (B, C, H, W) with a seeded half of its samples mirrored left-right.</summary>
    public static Tensor Apply(Tensor x, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = NewDisposeScope();
        var flip = (rand([x.shape[0]], generator: generator) < 0.5).to(x.device).view(-1, 1, 1, 1);
        return where(flip, x.flip(3), x).MoveToOuterDisposeScope();
    }
}
