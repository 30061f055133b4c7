using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Domain.Gan.Metrics;

/// <summary>
/// Sliced Wasserstein distance between two image sets, computed as ProGAN's metrics/sliced_wasserstein.py does:
/// <list type="number">
/// <item>a Laplacian pyramid of each image, from its size down to 16 px (<see cref="LaplacianPyramid"/>);</item>
/// <item>128 random 7 x 7 neighbourhoods per image per level, over all channels (descriptors of C*49 numbers);</item>
/// <item>per set and level: subtract each channel's mean and divide by its standard deviation (over all of that
/// set's descriptors and the 7 x 7 pixels);</item>
/// <item>4 repeats of 128 random unit directions: project both sets, sort each projection, mean absolute difference;</item>
/// <item>times 1e3, averaged over the repeats, then over the levels.</item>
/// </list>
/// Differences from ProGAN, none of which changes what is estimated:
/// <list type="bullet">
/// <item>Images are in [-1, 1], ProGAN's in [0, 255]. The pyramid is linear and keeps constants, and each channel is
/// normalised per set, so an affine change of the pixel range gives the same descriptors and the same SWD.</item>
/// <item>Randomness comes from a seeded SplitMix64 (<see cref="SeededRandom"/>), not numpy's global state. Set B draws
/// its neighbourhood positions from the same stream as set A (same seed), so image i of both sets uses the same
/// positions. Each set's positions are still uniform and independent of the pixels; the coupling only removes the
/// sampling noise between equal sets (identical sets give exactly 0).</item>
/// <item>When the sets give different descriptor counts, the larger set's (normalised) descriptors are randomly
/// subsampled to the smaller count; ProGAN requires equal counts.</item>
/// </list>
/// Like any sample estimate SWD is biased upwards for small sets; compare numbers only at equal set sizes and compare
/// them against <see cref="RealFloor"/>.
/// </summary>
public static class SlicedWasserstein
{
    private const ulong PositionStream = 1;
    private const ulong DirectionStream = 2;
    private const ulong SubsampleStream = 3;
    private const ulong SplitStream = 4;

    /// <summary>The pyramid resolutions for an image of this size: min(H, W), halved while at least MinResolution.</summary>
    public static int[] Resolutions(long height, long width, SwdOptions? options = null)
    {
        options ??= SwdOptions.ProGan;
        var list = new List<int>();
        for (var res = (int)Math.Min(height, width); res >= options.MinResolution; res /= 2)
            list.Add(res);
        return list.ToArray();
    }

    /// <summary>SWD between image sets <paramref name="a"/> and <paramref name="b"/> (N x C x H x W, same C, H, W).</summary>
    public static SwdResult Compute(Tensor a, Tensor b, SwdOptions? options, long seed)
    {
        options ??= SwdOptions.ProGan;
        options.Validate();
        ImageBatch.Check(a, nameof(a));
        ImageBatch.Check(b, nameof(b));
        ImageBatch.CheckSameImageShape(a, b, nameof(a), nameof(b));
        var resolutions = Resolutions(a.shape[2], a.shape[3], options);
        if (resolutions.Length == 0)
            throw new ArgumentException(
                $"Images of {a.shape[2]} x {a.shape[3]} are smaller than MinResolution {options.MinResolution}.");

        using var scope = NewDisposeScope();
        var dtype = ImageBatch.WorkType(a);
        var descA = Descriptors(a, resolutions.Length, options, new SeededRandom(seed, PositionStream), dtype);
        var descB = Descriptors(b, resolutions.Length, options, new SeededRandom(seed, PositionStream), dtype);
        var directions = new SeededRandom(seed, DirectionStream);
        var subsample = new SeededRandom(seed, SubsampleStream);
        var perLevel = new double[resolutions.Length];
        for (var level = 0; level < resolutions.Length; level++)
        {
            var (da, db) = EqualCounts(descA[level], descB[level], subsample);
            double sum = 0;
            for (var r = 0; r < options.DirRepeats; r++)
            {
                using var repeatScope = NewDisposeScope();
                var dirs = RandomDirections(da.shape[1], options.DirsPerRepeat, directions, dtype, da.device);
                sum += SlicedDistance(da, db, dirs);
            }
            perLevel[level] = sum / options.DirRepeats * 1e3;
        }
        return new SwdResult { Mean = perLevel.Average(), PerLevel = perLevel, Resolutions = resolutions };
    }

    /// <summary>
    /// The real-vs-real floor: SWD between two random halves of <paramref name="real"/> (floor(N/2) images each). A
    /// generated set cannot be expected to score below this. It is a half-size comparison, so for a like-for-like
    /// comparison evaluate generated sets of the same size (N/2 generated against N/2 real).
    /// </summary>
    public static SwdResult RealFloor(Tensor real, SwdOptions? options, long seed)
    {
        ImageBatch.Check(real, nameof(real), minCount: 2);
        using var scope = NewDisposeScope();
        var perm = new SeededRandom(seed, SplitStream).Permutation((int)real.shape[0]);
        var half = perm.Length / 2;
        var first = real.index_select(0, tensor(perm[..half], device: real.device));
        var second = real.index_select(0, tensor(perm[half..(2 * half)], device: real.device));
        return Compute(first, second, options, seed);
    }

    /// <summary>
    /// The sliced 1-D Wasserstein core of ProGAN's sliced_wasserstein(): project the descriptors <paramref name="a"/>
    /// and <paramref name="b"/> (M x D each) on the unit columns of <paramref name="directions"/> (D x K), sort each
    /// projection, and average the absolute differences over the M sorted values and the K directions.
    /// </summary>
    internal static double SlicedDistance(Tensor a, Tensor b, Tensor directions)
    {
        if (a.dim() != 2 || !a.shape.SequenceEqual(b.shape))
            throw new ArgumentException("Descriptor sets must be M x D with equal shapes.");
        using var scope = NewDisposeScope();
        var projA = a.matmul(directions).sort(0).Values;
        var projB = b.matmul(directions).sort(0).Values;
        return (projA - projB).abs().mean().ToDouble();
    }

    /// <summary>D x K Gaussian directions, each column scaled to unit length (as ProGAN).</summary>
    internal static Tensor RandomDirections(long dims, int count, SeededRandom random, ScalarType dtype, Device device)
    {
        var values = new double[dims * count];
        for (var i = 0; i < values.Length; i++)
            values[i] = random.NextGaussian();
        using var scope = NewDisposeScope();
        var dirs = tensor(values, new[] { dims, (long)count }, dtype: ScalarType.Float64);
        dirs = dirs / dirs.square().sum(0, keepdim: true).sqrt();
        return dirs.to(dtype, device).MoveToOuterDisposeScope();
    }

    /// <summary>Finalised descriptors per level (finest first), each M x (C * n * n) with M = N * NhoodsPerImage.</summary>
    internal static List<Tensor> Descriptors(Tensor images, int levels, SwdOptions options, SeededRandom positions, ScalarType dtype)
    {
        var perLevel = Enumerable.Range(0, levels).Select(_ => new List<Tensor>()).ToList();
        var count = images.shape[0];
        for (long start = 0; start < count; start += options.BatchSize)
        {
            using var batchScope = NewDisposeScope();
            var batch = images.narrow(0, start, Math.Min(options.BatchSize, count - start)).to_type(dtype);
            var pyramid = LaplacianPyramid.Generate(batch, levels);
            for (var level = 0; level < levels; level++)
            {
                var (ys, xs) = RandomPositions(pyramid[level], options, positions);
                perLevel[level].Add(ExtractNeighbourhoods(pyramid[level], options.NhoodSize, ys, xs).MoveToOuterDisposeScope());
            }
        }
        var result = new List<Tensor>(levels);
        foreach (var parts in perLevel)
        {
            using var levelScope = NewDisposeScope();
            var all = parts.Count == 1 ? parts[0] : cat(parts, 0);
            result.Add(Finalize(all, images.shape[1]).MoveToOuterDisposeScope());
            foreach (var p in parts)
                p.Dispose();
        }
        return result;
    }

    /// <summary>NhoodsPerImage centres per image, uniform in [n/2, size - n/2) as ProGAN's randint(H, S - H).</summary>
    private static (long[] Ys, long[] Xs) RandomPositions(Tensor level, SwdOptions options, SeededRandom random)
    {
        var half = options.NhoodSize / 2;
        var (n, h, w) = ((int)level.shape[0], (int)level.shape[2], (int)level.shape[3]);
        var total = n * options.NhoodsPerImage;
        var ys = new long[total];
        var xs = new long[total];
        for (var i = 0; i < total; i++)
        {
            ys[i] = random.NextInt(half, h - half);
            xs[i] = random.NextInt(half, w - half);
        }
        return (ys, xs);
    }

    /// <summary>
    /// The n x n neighbourhoods centred at (ys[k], xs[k]) of image k / (ys.Length / N), over all channels:
    /// (ys.Length) x (C * n * n), channel-major (as ProGAN's minibatch.flat[idx] then reshape).
    /// </summary>
    internal static Tensor ExtractNeighbourhoods(Tensor level, int nhoodSize, long[] ys, long[] xs)
    {
        var (n, c, h, w) = (level.shape[0], level.shape[1], level.shape[2], level.shape[3]);
        var perImage = ys.Length / n;
        if (perImage * n != ys.Length || xs.Length != ys.Length)
            throw new ArgumentException("Positions must be a whole number per image.");
        var half = nhoodSize / 2;
        var baseIndex = new long[ys.Length];
        for (var k = 0; k < ys.Length; k++)
        {
            var img = k / perImage;
            if (ys[k] < half || ys[k] >= h - half || xs[k] < half || xs[k] >= w - half)
                throw new ArgumentOutOfRangeException(nameof(ys), "A neighbourhood would leave the image.");
            baseIndex[k] = img * c * h * w + (ys[k] - half) * w + (xs[k] - half);
        }
        var offsets = new long[c * nhoodSize * nhoodSize];
        var o = 0;
        for (long ch = 0; ch < c; ch++)
            for (long dy = 0; dy < nhoodSize; dy++)
                for (long dx = 0; dx < nhoodSize; dx++)
                    offsets[o++] = ch * h * w + dy * w + dx;
        using var scope = NewDisposeScope();
        var index = tensor(baseIndex, device: level.device).unsqueeze(1) + tensor(offsets, device: level.device).unsqueeze(0);
        return level.contiguous().flatten().take(index).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// ProGAN's finalize_descriptors: per channel, subtract the mean and divide by the (population) standard deviation
    /// over all descriptors and all n x n pixels. A channel with zero spread is only centred.
    /// </summary>
    internal static Tensor Finalize(Tensor descriptors, long channels)
    {
        using var scope = NewDisposeScope();
        var m = descriptors.shape[0];
        var view = descriptors.reshape(m, channels, -1);
        var mean = view.mean(new long[] { 0, 2 }, keepdim: true);
        var std = view.std(new long[] { 0, 2 }, unbiased: false, keepdim: true);
        std = where(std > 0, std, ones_like(std));
        return ((view - mean) / std).reshape(m, -1).MoveToOuterDisposeScope();
    }

    private static (Tensor A, Tensor B) EqualCounts(Tensor a, Tensor b, SeededRandom random)
    {
        if (a.shape[0] == b.shape[0])
            return (a, b);
        var small = Math.Min(a.shape[0], b.shape[0]);
        Tensor Subsample(Tensor t) =>
            t.shape[0] == small ? t : t.index_select(0, tensor(random.Permutation((int)t.shape[0])[..(int)small], device: t.device));
        return (Subsample(a), Subsample(b));
    }
}
