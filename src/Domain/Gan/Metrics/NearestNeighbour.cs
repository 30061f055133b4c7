using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GanService.Domain.Gan.Metrics;

/// <summary>Settings of <see cref="NearestNeighbour"/>.</summary>
public sealed record NnOptions
{
    public static NnOptions Default { get; } = new();

    /// <summary>
    /// Images larger than this (longest side) are box-downsampled so that side is this size before comparing: it keeps
    /// the cost low, and copies stay copies after downsampling. 0 compares at full size.
    /// </summary>
    public int MaxResolution { get; init; } = 32;

    /// <summary>Query images per distance-matrix chunk; bounds memory to ChunkSize x (real count) doubles.</summary>
    public int ChunkSize { get; init; } = 256;

    /// <summary>A generated image counts as a near copy when its distance is below CopyFactor x the real floor.</summary>
    public double CopyFactor { get; init; } = 0.5;
}

/// <summary>Nearest-neighbour distances of generated images to the training (real) set.</summary>
public sealed record NnResult
{
    /// <summary>Mean over generated images of the distance to the nearest real image (per-pixel RMS, [-1, 1] scale).</summary>
    public required double MeanDistance { get; init; }

    /// <summary>Leave-one-out floor: mean over real images of the distance to the nearest other real image.</summary>
    public required double RealFloor { get; init; }

    /// <summary>MeanDistance / RealFloor. About 1 or above: novel images. Well below 1: generated images sit closer to
    /// training images than training images sit to each other, i.e. memorisation.</summary>
    public required double Ratio { get; init; }

    /// <summary>Fraction of generated images closer than CopyFactor x RealFloor to some real image.</summary>
    public required double CopyFraction { get; init; }

    /// <summary>Per generated image: distance to its nearest real image.</summary>
    public required double[] Distances { get; init; }

    /// <summary>Per generated image: index of its nearest real image (to show the pair side by side).</summary>
    public required long[] NearestIndex { get; init; }
}

/// <summary>
/// Memorisation check: for each generated image, the distance to the nearest training image, in pixel space as the
/// per-pixel RMS difference sqrt(||g - r||^2 / (C*H*W)) on [-1, 1] images (downsampled to 32 px by default), against
/// the same for each real image to the rest of the real set (leave-one-out). Computed in float64.
/// <para>
/// Caveats: pixel distance is not perceptual similarity (a shifted copy is far, a blurry average image is close to many);
/// exact duplicates inside the real set lower the floor.
/// </para>
/// </summary>
public static class NearestNeighbour
{
    public static NnResult Compute(Tensor generated, Tensor real, NnOptions? options = null)
    {
        options ??= NnOptions.Default;
        if (options.ChunkSize < 1 || options.MaxResolution < 0 || options.CopyFactor < 0)
            throw new ArgumentException("ChunkSize must be positive, MaxResolution and CopyFactor not negative.");
        ImageBatch.Check(generated, nameof(generated));
        ImageBatch.Check(real, nameof(real), minCount: 2);
        ImageBatch.CheckSameImageShape(generated, real, nameof(generated), nameof(real));

        using var scope = NewDisposeScope();
        var g = Flatten(generated, options.MaxResolution);
        var r = Flatten(real, options.MaxResolution);
        var (genDist, genIndex) = Nearest(g, r, options.ChunkSize, excludeSelf: false);
        var (realDist, _) = Nearest(r, r, options.ChunkSize, excludeSelf: true);

        var mean = genDist.Average();
        var floor = realDist.Average();
        var ratio = floor > 0 ? mean / floor : mean > 0 ? double.PositiveInfinity : 0.0;
        var copies = genDist.Count(d => d < options.CopyFactor * floor);
        return new NnResult
        {
            MeanDistance = mean,
            RealFloor = floor,
            Ratio = ratio,
            CopyFraction = (double)copies / genDist.Length,
            Distances = genDist,
            NearestIndex = genIndex,
        };
    }

    /// <summary>N x D float64 rows, after box-downsampling to at most <paramref name="maxResolution"/> px.</summary>
    private static Tensor Flatten(Tensor images, int maxResolution)
    {
        var x = images.to_type(ScalarType.Float64);
        var (h, w) = (images.shape[2], images.shape[3]);
        var longest = Math.Max(h, w);
        if (maxResolution > 0 && longest > maxResolution)
        {
            var scale = (double)maxResolution / longest;
            var size = new[] { Math.Max(1, (long)Math.Round(h * scale)), Math.Max(1, (long)Math.Round(w * scale)) };
            x = F.adaptive_avg_pool2d(x, size);
        }
        return x.reshape(x.shape[0], -1);
    }

    /// <summary>Per query row: the per-pixel RMS distance to its nearest reference row, and that row's index.</summary>
    private static (double[] Distance, long[] Index) Nearest(Tensor queries, Tensor references, int chunk, bool excludeSelf)
    {
        var count = queries.shape[0];
        var dims = (double)queries.shape[1];
        var distance = new double[count];
        var index = new long[count];
        using var outer = NewDisposeScope();
        var refNorms = references.square().sum(1);
        for (long start = 0; start < count; start += chunk)
        {
            using var scope = NewDisposeScope();
            var size = Math.Min(chunk, count - start);
            var q = queries.narrow(0, start, size);
            var d2 = (q.square().sum(1).unsqueeze(1) + refNorms.unsqueeze(0) - 2 * q.matmul(references.t())).clamp_min(0);
            if (excludeSelf)
            {
                var rows = arange(size, dtype: ScalarType.Int64, device: d2.device);
                d2.index_put_(double.PositiveInfinity, rows, rows + start);
            }
            var (values, indices) = d2.min(1);
            var rms = (values / dims).sqrt();
            Array.Copy(rms.data<double>().ToArray(), 0, distance, start, size);
            Array.Copy(indices.data<long>().ToArray(), 0, index, start, size);
        }
        return (distance, index);
    }
}
