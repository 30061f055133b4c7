using static TorchSharp.torch;

namespace GanService.Domain.Gan.Generation;

/// <summary>
/// Latent vectors for generation. They are drawn on the CPU from a generator seeded by the request, so a seed gives
/// the same latents, and with them the same pixels, on any device and in any process.
/// </summary>
public static class Latents
{
    /// <summary>The largest truncation threshold accepted; beyond about 4 it changes nothing (|z| &gt; 4 is rare).</summary>
    public const double MaxTruncation = 4;

    /// <summary>
    /// z (count, latentDim) ~ N(0, I), and for a conditional generator the labels (count): <paramref name="label"/>
    /// for all, or drawn after z from the same seed. With <paramref name="truncation"/> t (the truncation trick of
    /// BigGAN), entries with |z| &gt; t are drawn again until inside: fewer, more typical images for a smaller t.
    /// </summary>
    public static (Tensor Z, Tensor? Labels) Draw(GanConfig config, int count, long seed, int? label = null, double? truncation = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (truncation is { } t && !(t > 0 && t <= MaxTruncation))
            throw new ArgumentOutOfRangeException(nameof(truncation), t, $"must be in (0, {MaxTruncation}]");
        if (label is { } l && (!config.Conditional || l < 0 || l >= config.NumClasses))
            throw new ArgumentOutOfRangeException(nameof(label), l, config.Conditional ? $"must be in [0, {config.NumClasses})" : "the generator is not conditional");

        using var random = new Generator((ulong)seed);
        using var scope = NewDisposeScope();
        var z = randn([count, config.LatentDim], generator: random);
        if (truncation is { } threshold)
        {
            // Redraw the outliers; each pass keeps about 1 - P(|z| > t) of them, so a few dozen passes leave none for
            // any threshold in range. The clamp only guards the (practically impossible) remainder.
            for (var pass = 0; pass < 64; pass++)
            {
                var outside = z.abs() > threshold;
                if (!outside.any().item<bool>()) break;
                z = where(outside, randn([count, config.LatentDim], generator: random), z);
            }
            z = z.clamp(-threshold, threshold);
        }
        Tensor? labels = null;
        if (config.Conditional)
            labels = label is { } fixedLabel
                ? full([count], fixedLabel, dtype: ScalarType.Int64)
                : randint(0, config.NumClasses, [count], dtype: ScalarType.Int64, generator: random);
        return (z.MoveToOuterDisposeScope(), labels?.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// <paramref name="steps"/> latents (steps, dim) on the great circle from <paramref name="from"/> to
    /// <paramref name="to"/> (each (dim) or (1, dim)), ends included. Spherical rather than linear: a straight line
    /// between two Gaussian samples passes through low-norm latents the generator rarely saw, which look washed out.
    /// </summary>
    public static Tensor Slerp(Tensor from, Tensor to, int steps)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 2);
        using var scope = NewDisposeScope();
        var a = from.flatten().to(ScalarType.Float64);
        var b = to.flatten().to(ScalarType.Float64);
        var cosine = (dot(a, b) / (a.norm() * b.norm())).clamp(-1, 1).item<double>();
        var omega = Math.Acos(cosine);
        var rows = new List<Tensor>(steps);
        for (var i = 0; i < steps; i++)
        {
            var t = (double)i / (steps - 1);
            // Nearly parallel latents: the sine ratio is 0/0; the straight line is then the same path.
            var (wa, wb) = Math.Sin(omega) < 1e-6
                ? (1 - t, t)
                : (Math.Sin((1 - t) * omega) / Math.Sin(omega), Math.Sin(t * omega) / Math.Sin(omega));
            rows.Add(a * wa + b * wb);
        }
        return stack(rows).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// "More like this": <paramref name="count"/> latents (count, dim) around <paramref name="center"/> ((dim) or
    /// (1, dim)), the first the center itself and the rest center + spread * N(0, I) from <paramref name="seed"/>.
    /// A spread of 0.3 keeps the subject and varies the details; 1 is about as far as two random latents apart.
    /// </summary>
    public static Tensor Around(Tensor center, int count, long seed, double spread)
    {
        ArgumentNullException.ThrowIfNull(center);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        using var random = new Generator((ulong)seed);
        using var scope = NewDisposeScope();
        var c = center.reshape(1, -1).to(ScalarType.Float32);
        var offsets = randn([count, c.shape[1]], generator: random) * spread;
        offsets[0].zero_();
        return (c + offsets).MoveToOuterDisposeScope();
    }
}
