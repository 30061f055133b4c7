using GanService.Domain.Gan.Metrics;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace GanService.Domain.Tests.Gan.Metrics;

public class SlicedWassersteinTests(ITestOutputHelper output)
{
    /// <summary>Small but ProGAN-shaped: 7 x 7 neighbourhoods, fewer of them and fewer directions.</summary>
    private static readonly SwdOptions Fast = new() { NhoodsPerImage = 32, DirRepeats = 2, DirsPerRepeat = 32 };

    [Fact]
    public void Sliced_distance_core_matches_hand_computed_values()
    {
        using var scope = NewDisposeScope();
        // 1-D: sorted {0, 1, 2} against sorted {1, 2, 3}: every pair differs by 1.
        var a1 = tensor(new double[] { 2, 0, 1 }, new long[] { 3, 1 });
        var b1 = tensor(new double[] { 3, 1, 2 }, new long[] { 3, 1 });
        Assert.Equal(1.0, SlicedWasserstein.SlicedDistance(a1, b1, ones(1, 1, dtype: ScalarType.Float64)), 12);

        // 2-D: B is A moved by (0, 2). Along e1 nothing changes (0), along e2 everything moves by 2,
        // along (1, 1)/sqrt 2 by 2/sqrt 2 = sqrt 2. Mean over the three directions: (0 + 2 + sqrt 2) / 3.
        var a2 = tensor(new double[] { 0, 0, 1, 0 }, new long[] { 2, 2 });
        var b2 = tensor(new double[] { 0, 2, 1, 2 }, new long[] { 2, 2 });
        var s = 1 / Math.Sqrt(2);
        var dirs = tensor(new double[] { 1, 0, s, 0, 1, s }, new long[] { 2, 3 });
        Assert.Equal((0 + 2 + Math.Sqrt(2)) / 3, SlicedWasserstein.SlicedDistance(a2, b2, dirs), 12);

        // Sorting pairs the values by rank, not by row: a permutation of the same set is at distance 0.
        var shuffled = tensor(new double[] { 1, 0, 0, 0 }, new long[] { 2, 2 });
        Assert.Equal(0.0, SlicedWasserstein.SlicedDistance(a2, shuffled, dirs), 12);
    }

    [Fact]
    public void Finalize_normalises_each_channel_over_the_set()
    {
        using var scope = NewDisposeScope();
        // Two descriptors, two channels, one pixel each: channel 0 = {1, 3} -> {-1, 1}; channel 1 = {10, 10} has no
        // spread and is only centred.
        var desc = tensor(new double[] { 1, 10, 3, 10 }, new long[] { 2, 2 });
        var result = TestImages.ToArray(SlicedWasserstein.Finalize(desc, 2));
        Assert.Equal(new double[] { -1, 0, 1, 0 }, result);

        var random = TestImages.Noise(40, 3, 7, 3, ScalarType.Float64).reshape(40, -1) * 3 + 5;
        var normalised = SlicedWasserstein.Finalize(random, 3).reshape(40, 3, 49);
        Assert.True(normalised.mean(new long[] { 0, 2 }).abs().max().ToDouble() < 1e-12);
        Assert.True((normalised.std(new long[] { 0, 2 }, unbiased: false) - 1).abs().max().ToDouble() < 1e-12);
    }

    [Fact]
    public void Neighbourhoods_are_the_patches_at_the_given_centres_over_all_channels()
    {
        using var scope = NewDisposeScope();
        var level = arange(2 * 2 * 8 * 8, dtype: ScalarType.Float64).reshape(2, 2, 8, 8);
        var desc = SlicedWasserstein.ExtractNeighbourhoods(level, 3, ys: [3, 1, 6, 4], xs: [4, 1, 1, 6]);
        Assert.Equal(new long[] { 4, 18 }, desc.shape);
        (int Img, int Y, int X)[] expected = [(0, 3, 4), (0, 1, 1), (1, 6, 1), (1, 4, 6)];
        for (var k = 0; k < 4; k++)
        {
            var (img, y, x) = expected[k];
            var patch = level[img, .., (y - 1)..(y + 2), (x - 1)..(x + 2)].reshape(-1);
            Assert.True(desc[k].equal(patch).all().ToBoolean(), $"patch {k}");
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => SlicedWasserstein.ExtractNeighbourhoods(level, 3, [0, 3], [4, 4]));
    }

    [Fact]
    public void Directions_are_unit_columns()
    {
        using var scope = NewDisposeScope();
        var dirs = SlicedWasserstein.RandomDirections(147, 16, new SeededRandom(1), ScalarType.Float64, CPU);
        Assert.Equal(new long[] { 147, 16 }, dirs.shape);
        // Note: sum(0) would bind to sum(ScalarType) (literal 0 converts to any enum) and sum everything; name the dim.
        Assert.True((dirs.square().sum(dim: 0) - 1).abs().max().ToDouble() < 1e-12);
    }

    [Fact]
    public void Resolutions_halve_down_to_16_px_as_ProGAN()
    {
        Assert.Equal([128, 64, 32, 16], SlicedWasserstein.Resolutions(128, 128));
        Assert.Equal([16], SlicedWasserstein.Resolutions(16, 16));
        Assert.Empty(SlicedWasserstein.Resolutions(8, 8));
    }

    [Fact]
    public void Identical_sets_give_zero_and_results_are_deterministic_for_a_seed()
    {
        using var scope = NewDisposeScope();
        var a = TestImages.Texture(16, 3, 32, 1);
        var same = SlicedWasserstein.Compute(a, a.clone(), Fast, seed: 7);
        Assert.Equal(0.0, same.Mean, 9);
        Assert.Equal([32, 16], same.Resolutions);

        var b = TestImages.Texture(16, 3, 32, 2, sigma: 2.0);
        var first = SlicedWasserstein.Compute(a, b, Fast, seed: 7);
        var again = SlicedWasserstein.Compute(a, b, Fast, seed: 7);
        var other = SlicedWasserstein.Compute(a, b, Fast, seed: 8);
        Assert.Equal(first.PerLevel, again.PerLevel);
        Assert.NotEqual(first.PerLevel, other.PerLevel);
        Assert.Equal(first.PerLevel.Average(), first.Mean, 12);
    }

    [Fact]
    public void Swd_grows_with_blur_and_with_a_shifted_distribution_and_stays_near_the_real_floor_for_the_same_one()
    {
        using var scope = NewDisposeScope();
        // ProGAN's 128 neighbourhoods per image (4096 descriptors per set and level), fewer directions.
        var options = new SwdOptions { DirRepeats = 2, DirsPerRepeat = 64 };
        var real = TestImages.Texture(32, 1, 32, 21);
        var fresh = TestImages.Texture(32, 1, 32, 22);
        var floor = SlicedWasserstein.RealFloor(real, options, seed: 3);
        var sameDistribution = SlicedWasserstein.Compute(real, fresh, options, seed: 3);
        var blurs = new[] { 0.5, 1.0, 2.0 }
            .Select(sigma => SlicedWasserstein.Compute(real, TestImages.Blur(fresh, sigma), options, seed: 3).Mean).ToArray();
        var shifted = SlicedWasserstein.Compute(real, TestImages.Noise(32, 1, 32, 23), options, seed: 3);
        output.WriteLine($"floor (16 vs 16) {floor}; same distribution {sameDistribution}; blur 0.5/1/2: {string.Join(" / ", blurs.Select(v => v.ToString("F1")))}; noise {shifted}");

        Assert.True(sameDistribution.Mean < 1.5 * floor.Mean, "a fresh sample of the same distribution sits near the floor");
        Assert.True(blurs[0] > sameDistribution.Mean);
        Assert.True(blurs[1] > 1.5 * sameDistribution.Mean);
        Assert.True(blurs[1] > blurs[0] && blurs[2] > blurs[1], "SWD is monotone in blur strength");
        // White noise differs most in the fine band; its 16 px low-pass looks much like the texture's.
        Assert.True(shifted.Mean > 2 * sameDistribution.Mean);
        Assert.True(shifted.PerLevel[0] > 3 * sameDistribution.PerLevel[0]);
    }

    [Fact]
    public void Pixel_range_does_not_matter_and_float32_agrees_with_float64()
    {
        using var scope = NewDisposeScope();
        var a = TestImages.Texture(8, 1, 32, 31).to_type(ScalarType.Float64);
        var b = TestImages.Texture(8, 1, 32, 32, sigma: 1.5).to_type(ScalarType.Float64);
        var reference = SlicedWasserstein.Compute(a, b, Fast, seed: 5).Mean;
        // ProGAN feeds uint8 [0, 255]; the SWD is the same for an affine change of range.
        var progRange = SlicedWasserstein.Compute(a * 127.5 + 127.5, b * 127.5 + 127.5, Fast, seed: 5).Mean;
        var single = SlicedWasserstein.Compute(a.to_type(ScalarType.Float32), b.to_type(ScalarType.Float32), Fast, seed: 5).Mean;
        Assert.Equal(reference, progRange, 1e-9 * reference);
        Assert.Equal(reference, single, 1e-4 * reference);
    }

    [Fact]
    public void Unequal_set_sizes_and_odd_real_counts_work()
    {
        using var scope = NewDisposeScope();
        var a = TestImages.Texture(6, 1, 16, 41);
        var b = TestImages.Texture(9, 1, 16, 42);
        var result = SlicedWasserstein.Compute(a, b, Fast with { BatchSize = 4 }, seed: 1);
        Assert.Single(result.PerLevel);
        Assert.True(result.Mean > 0 && double.IsFinite(result.Mean));
        Assert.True(double.IsFinite(SlicedWasserstein.RealFloor(b, Fast, seed: 1).Mean));
    }
}
