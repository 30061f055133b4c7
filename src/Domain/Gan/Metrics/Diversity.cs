using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Domain.Gan.Metrics;

/// <summary>
/// Diversity of an image set as the mean MS-SSIM over random pairs of distinct images (Odena et al. 2017, used for
/// AC-GAN): lower means more diverse. Compare a generated set with the same measure on real images; a generated value
/// far above the real one means the generator repeats itself (mode collapse).
/// </summary>
public static class Diversity
{
    /// <summary>
    /// Mean MS-SSIM over <paramref name="pairs"/> random pairs (i, j), i != j, drawn with replacement from
    /// <paramref name="images"/> (N &gt;= 2); deterministic for a seed. Pairs are scored in batches of
    /// <paramref name="batchSize"/> to bound memory.
    /// </summary>
    public static double Compute(Tensor images, int pairs, long seed, MsSsimOptions? options = null, int batchSize = 64)
    {
        ImageBatch.Check(images, nameof(images), minCount: 2);
        if (pairs < 1)
            throw new ArgumentOutOfRangeException(nameof(pairs), "At least one pair is needed.");
        if (batchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(batchSize));
        var n = (int)images.shape[0];
        var random = new SeededRandom(seed, 5);
        var first = new long[pairs];
        var second = new long[pairs];
        for (var k = 0; k < pairs; k++)
        {
            first[k] = random.NextInt(n);
            var j = random.NextInt(n - 1);
            second[k] = j >= first[k] ? j + 1 : j;
        }

        double sum = 0;
        for (var start = 0; start < pairs; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var count = Math.Min(batchSize, pairs - start);
            var i = tensor(first[start..(start + count)], device: images.device);
            var j = tensor(second[start..(start + count)], device: images.device);
            var scores = MsSsim.Compute(images.index_select(0, i), images.index_select(0, j), options);
            sum += scores.to_type(ScalarType.Float64).sum().ToDouble();
        }
        return sum / pairs;
    }
}
