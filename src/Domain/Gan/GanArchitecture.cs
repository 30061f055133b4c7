namespace GanService.Domain.Gan;

/// <summary>
/// Layer widths of the DCGAN-style networks for any power-of-two resolution. Depth follows resolution:
/// n = log2(resolution) - 2 stages of 2x up/down-sampling between 4x4 and the image. Widths double towards
/// 4x4 and are capped at 8x the base width (DCGAN's 64x64 net has exactly 8x at 4x4).
/// </summary>
public static class GanArchitecture
{
    public const int MaxWidthMultiplier = 8;

    /// <summary>G widths C_0..C_{n-1}: C_0 at 4x4, C_{n-1} = ngf at resolution/2.</summary>
    public static int[] GeneratorWidths(GanConfig config)
    {
        var n = config.Stages;
        return Enumerable.Range(0, n)
            .Select(i => config.GeneratorChannels * Math.Min(MaxWidthMultiplier, 1 << (n - 1 - i)))
            .ToArray();
    }

    /// <summary>D widths D_0..D_{n-1}: D_0 = ndf at resolution/2, D_{n-1} at 4x4.</summary>
    public static int[] DiscriminatorWidths(GanConfig config)
    {
        var n = config.Stages;
        return Enumerable.Range(0, n)
            .Select(i => config.DiscriminatorChannels * Math.Min(MaxWidthMultiplier, 1 << i))
            .ToArray();
    }
}
