using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Domain.Gan.Augmentation;

/// <summary>
/// Differentiable Augmentation (Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient GAN Training"),
/// a port of the authors' DiffAugment_pytorch.py (mit-han-lab/data-efficient-gans):
/// <list type="bullet">
/// <item>color = brightness (x + U(-0.5, 0.5)), saturation (mean_C + (x - mean_C) * U(0, 2); a no-op on one
/// channel), contrast (mean_CHW + (x - mean_CHW) * U(0.5, 1.5)), one draw per sample each;</item>
/// <item>translation: integer shifts in [-round(H/8), round(H/8)] x [-round(W/8), round(W/8)] with zero fill
/// (the paper's pad-by-one + clamped gather, done as two gathers: exactly the same indices and values);</item>
/// <item>cutout: a round(H/2) x round(W/2) rectangle centred at a random position (offset in
/// [0, H + 1 - cs_h % 2)) is zeroed; near the border it is clipped, exactly as the paper's clamped indices.</item>
/// </list>
/// For sizes that are multiples of 8 the sizes equal the paper's H // 8 and H // 2.
/// Input: N x C x H x W. Every operation is differentiable w.r.t. the input, so G receives gradients through it.
/// <para>
/// Adaptive use (ADA-style): each of the five operations is applied to each sample independently with
/// probability p; p = 1 is the paper's DiffAugment, p = 0 returns the input unchanged (and draws nothing).
/// The random draws are taken from the given <see cref="torch.Generator"/> in a fixed order and number that does
/// not depend on p, so a run is reproducible from the generator's state.
/// </para>
/// </summary>
public sealed class DiffAugment
{
    public const string DefaultPolicy = "color,translation,cutout";
    /// <summary>FastGAN's policy.</summary>
    public const string ColorTranslation = "color,translation";

    /// <summary>The augmentation a run's config asks for: null for none, else its policy (cutout per <see cref="GanConfig.Cutout"/>).</summary>
    public static DiffAugment? For(GanConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.Augment == GanAugment.None ? null : new DiffAugment(config.Cutout ? DefaultPolicy : ColorTranslation);
    }

    private readonly bool _color;
    private readonly bool _translation;
    private readonly bool _cutout;

    public DiffAugment(string policy = DefaultPolicy, double translationRatio = 0.125, double cutoutRatio = 0.5)
    {
        ArgumentNullException.ThrowIfNull(policy);
        foreach (var part in policy.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            switch (part.ToLowerInvariant())
            {
                case "color": _color = true; break;
                case "translation": _translation = true; break;
                case "cutout": _cutout = true; break;
                default:
                    throw new ArgumentException($"Unknown DiffAugment policy '{part}': use color, translation, cutout.", nameof(policy));
            }
        }
        if (translationRatio < 0 || translationRatio > 1) throw new ArgumentOutOfRangeException(nameof(translationRatio));
        if (cutoutRatio < 0 || cutoutRatio > 1) throw new ArgumentOutOfRangeException(nameof(cutoutRatio));
        Policy = string.Join(',', new[] { (_color, "color"), (_translation, "translation"), (_cutout, "cutout") }
            .Where(t => t.Item1).Select(t => t.Item2));
        TranslationRatio = translationRatio;
        CutoutRatio = cutoutRatio;
    }

    /// <summary>The normalised policy, in the paper's order of application (color, translation, cutout).</summary>
    public string Policy { get; }
    public double TranslationRatio { get; }
    public double CutoutRatio { get; }

    /// <summary>Augments a batch; see the class remarks. p is clamped to [0, 1].</summary>
    public Tensor Apply(Tensor x, double p, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(generator);
        if (x.dim() != 4) throw new ArgumentException("Expected N x C x H x W.", nameof(x));
        if (double.IsNaN(p)) throw new ArgumentOutOfRangeException(nameof(p));
        p = Math.Clamp(p, 0.0, 1.0);
        if (p == 0.0 || Policy.Length == 0) return x;

        using var scope = NewDisposeScope();
        long n = x.shape[0], h = x.shape[2], w = x.shape[3];
        var y = x;
        if (_color)
        {
            // Same draws and formulas as rand_brightness, rand_color, rand_contrast.
            var u = Uniform(n, x, generator);
            y = Select(Draw(n, p, x, generator), Brightness(y, u - 0.5), y);
            u = Uniform(n, x, generator);
            y = Select(Draw(n, p, x, generator), Saturation(y, u * 2.0), y);
            u = Uniform(n, x, generator);
            y = Select(Draw(n, p, x, generator), Contrast(y, u + 0.5), y);
        }
        if (_translation)
        {
            long sx = (long)(h * TranslationRatio + 0.5), sy = (long)(w * TranslationRatio + 0.5);
            var tx = randint(-sx, sx + 1, new long[] { n }, dtype: ScalarType.Int64, generator: generator);
            var ty = randint(-sy, sy + 1, new long[] { n }, dtype: ScalarType.Int64, generator: generator);
            var keep = DrawBool(n, p, generator);
            // A zero shift is the exact identity, so unselected samples are simply not shifted.
            y = Translate(y, tx * keep, ty * keep);
        }
        if (_cutout)
        {
            long ch = (long)(h * CutoutRatio + 0.5), cw = (long)(w * CutoutRatio + 0.5);
            var ox = randint(0, h + (1 - ch % 2), new long[] { n }, dtype: ScalarType.Int64, generator: generator);
            var oy = randint(0, w + (1 - cw % 2), new long[] { n }, dtype: ScalarType.Int64, generator: generator);
            var keep = DrawBool(n, p, generator);
            y = Cutout(y, ox, oy, ch, cw, keep);
        }
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>x + shift (shift: N values, one per sample).</summary>
    internal static Tensor Brightness(Tensor x, Tensor shift) => x + PerSample(shift, x);

    /// <summary>mean_C + (x - mean_C) * factor (the paper's rand_color).</summary>
    internal static Tensor Saturation(Tensor x, Tensor factor)
    {
        var mean = x.mean(new long[] { 1 }, keepdim: true);
        return (x - mean) * PerSample(factor, x) + mean;
    }

    /// <summary>mean_CHW + (x - mean_CHW) * factor (the paper's rand_contrast).</summary>
    internal static Tensor Contrast(Tensor x, Tensor factor)
    {
        var mean = x.mean(new long[] { 1, 2, 3 }, keepdim: true);
        return (x - mean) * PerSample(factor, x) + mean;
    }

    /// <summary>
    /// out[b, c, i, j] = x[b, c, i + tx[b], j + ty[b]] where that is inside the image, else 0 — the paper's
    /// x_pad[b, :, clamp(i + tx + 1, 0, H + 1), clamp(j + ty + 1, 0, W + 1)] on x padded by one zero pixel.
    /// tx, ty: N integer shifts (int64), any magnitude.
    /// </summary>
    internal static Tensor Translate(Tensor x, Tensor tx, Tensor ty)
    {
        long n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        var dev = x.device;
        var rows = (arange(h, dtype: ScalarType.Int64).unsqueeze(0) + tx.view(n, 1) + 1).clamp(0, h + 1).to(dev);
        var cols = (arange(w, dtype: ScalarType.Int64).unsqueeze(0) + ty.view(n, 1) + 1).clamp(0, w + 1).to(dev);
        var padded = nn.functional.pad(x, new long[] { 1, 1, 1, 1 });
        var byRow = padded.gather(2, rows.view(n, 1, h, 1).expand(n, c, h, w + 2));
        return byRow.gather(3, cols.view(n, 1, 1, w).expand(n, c, h, w));
    }

    /// <summary>
    /// Zeroes rows [ox - ch/2, ox - ch/2 + ch) x cols [oy - cw/2, oy - cw/2 + cw) (clipped to the image) of each
    /// sample whose <paramref name="apply"/> is non-zero (null: all) — the paper's rand_cutout mask.
    /// </summary>
    internal static Tensor Cutout(Tensor x, Tensor ox, Tensor oy, long ch, long cw, Tensor? apply = null)
    {
        long n = x.shape[0], h = x.shape[2], w = x.shape[3];
        var top = (ox - ch / 2).view(n, 1);
        var left = (oy - cw / 2).view(n, 1);
        var i = arange(h, dtype: ScalarType.Int64).unsqueeze(0);
        var j = arange(w, dtype: ScalarType.Int64).unsqueeze(0);
        var inRows = i.ge(top).logical_and(i.lt(top + ch));           // N x H
        var inCols = j.ge(left).logical_and(j.lt(left + cw));         // N x W
        var cut = inRows.unsqueeze(2).logical_and(inCols.unsqueeze(1)); // N x H x W
        if (apply is not null) cut = cut.logical_and(apply.view(n, 1, 1).ne(0));
        var mask = cut.logical_not().to(x.dtype).to(x.device);
        return x * mask.unsqueeze(1);
    }

    private static Tensor PerSample(Tensor v, Tensor like) => v.to(like.dtype).to(like.device).view(-1, 1, 1, 1);

    private static Tensor Uniform(long n, Tensor like, Generator g) => rand(new long[] { n }, dtype: like.dtype, generator: g);

    /// <summary>N booleans, each true with probability p (one U(0,1) draw per sample, always taken).</summary>
    private static Tensor Draw(long n, double p, Tensor like, Generator g) =>
        rand(new long[] { n }, dtype: ScalarType.Float64, generator: g).lt(p).to(like.device).view(n, 1, 1, 1);

    private static Tensor DrawBool(long n, double p, Generator g) =>
        rand(new long[] { n }, dtype: ScalarType.Float64, generator: g).lt(p).to(ScalarType.Int64);

    private static Tensor Select(Tensor mask, Tensor augmented, Tensor original) => where(mask, augmented, original);
}
