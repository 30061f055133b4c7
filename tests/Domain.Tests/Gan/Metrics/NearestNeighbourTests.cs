using GanService.Domain.Gan.Metrics;
using static TorchSharp.torch;

namespace GanService.Domain.Tests.Gan.Metrics;

public class NearestNeighbourTests
{
    [Fact]
    public void Hand_computed_case_on_constant_images()
    {
        using var scope = NewDisposeScope();
        // Constant images: the per-pixel RMS distance is the difference of the constants.
        var real = stack(new[] { 0.0, 0.1, 0.5 }.Select(v => full(new long[] { 1, 4, 4 }, v)), 0);
        var generated = full(new long[] { 1, 1, 4, 4 }, 0.25);
        var r = NearestNeighbour.Compute(generated, real);
        // Leave-one-out: 0 -> 0.1 (0.1), 0.1 -> 0 (0.1), 0.5 -> 0.1 (0.4): floor 0.2.
        Assert.Equal(0.2, r.RealFloor, 6);
        Assert.Equal(0.15, r.MeanDistance, 6);
        Assert.Equal(0.75, r.Ratio, 5);
        Assert.Equal([1L], r.NearestIndex);
        Assert.Equal(0.0, r.CopyFraction);
    }

    [Fact]
    public void Copies_of_training_images_are_at_distance_zero_and_flag_memorisation()
    {
        using var scope = NewDisposeScope();
        var real = TestImages.Texture(20, 3, 64, 1);
        var picks = tensor(new long[] { 3, 17, 0, 3, 9 });
        var copies = real.index_select(0, picks);
        var r = NearestNeighbour.Compute(copies, real);
        Assert.True(r.MeanDistance < 1e-6);
        Assert.True(r.RealFloor > 0.05);
        Assert.True(r.Ratio < 0.01);
        Assert.Equal(1.0, r.CopyFraction);
        Assert.Equal([3L, 17, 0, 3, 9], r.NearestIndex);

        // Lightly perturbed copies still read as memorised; fresh images from the same distribution do not.
        var perturbed = (copies + 0.02 * TestImages.Noise(5, 3, 64, 2)).clamp(-1, 1);
        Assert.True(NearestNeighbour.Compute(perturbed, real).Ratio < 0.5);
        var fresh = NearestNeighbour.Compute(TestImages.Texture(10, 3, 64, 3), real);
        Assert.InRange(fresh.Ratio, 0.8, 1.3);
    }

    [Fact]
    public void Chunking_and_full_resolution_give_consistent_results()
    {
        using var scope = NewDisposeScope();
        var real = TestImages.Texture(9, 1, 16, 4);
        var generated = TestImages.Texture(7, 1, 16, 5);
        var a = NearestNeighbour.Compute(generated, real);
        var b = NearestNeighbour.Compute(generated, real, new NnOptions { ChunkSize = 2, MaxResolution = 0 });
        Assert.Equal(a.MeanDistance, b.MeanDistance, 9);
        Assert.Equal(a.RealFloor, b.RealFloor, 9);
        Assert.Equal(a.NearestIndex, b.NearestIndex);
    }
}
