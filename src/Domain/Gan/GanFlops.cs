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
        var w = GanArchitecture.DiscriminatorWidths(config);
        long macs = 0;
        long res = config.Resolution / 2;
        for (var i = 0; i < w.Length; i++, res /= 2)
            macs += (long)(i == 0 ? config.Channels : w[i - 1]) * w[i] * 16 * res * res;
        return macs + w[^1] * 16L;
    }

    /// <summary>
    /// FLOPs (2 per MAC) of one training iteration per image of the batch. Backward costs about twice the forward.
    /// D step (per critic step): G forward, D forward + backward on reals and fakes (2 x 3 D). G step: G forward +
    /// backward (3 G), D forward + backward (3 D).
    /// </summary>
    public static double TrainingFlopsPerImage(GanConfig config)
    {
        double g = GeneratorMacs(config), d = DiscriminatorMacs(config);
        var critic = config.NCritic * (g + 6 * d);
        return 2 * (critic + 3 * g + 3 * d);
    }
}
