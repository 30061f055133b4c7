using GanService.Domain.Gan.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Domain.Tests.Gan.Metrics;

public class LaplacianPyramidTests
{
    private static readonly double[] K = [1 / 16.0, 4 / 16.0, 6 / 16.0, 4 / 16.0, 1 / 16.0];

    /// <summary>scipy.ndimage "mirror": d c b | a b c d | c b a.</summary>
    private static int Mirror(int i, int n) => i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i;

    /// <summary>scipy.ndimage.convolve(img, outer(K, K) * gain, mode="mirror") on one plane, in float64.</summary>
    private static double[,] Convolve(double[,] img, double gain)
    {
        var (h, w) = (img.GetLength(0), img.GetLength(1));
        var result = new double[h, w];
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
            {
                double s = 0;
                for (var dy = -2; dy <= 2; dy++)
                    for (var dx = -2; dx <= 2; dx++)
                        s += K[dy + 2] * K[dx + 2] * gain * img[Mirror(y + dy, h), Mirror(x + dx, w)];
                result[y, x] = s;
            }
        return result;
    }

    private static double[,] Plane(Tensor t, int n, int c)
    {
        var (h, w) = ((int)t.shape[2], (int)t.shape[3]);
        var values = TestImages.ToArray(t[n, c]);
        var plane = new double[h, w];
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
                plane[y, x] = values[y * w + x];
        return plane;
    }

    [Fact]
    public void PyrDown_matches_a_float64_reference_of_ProGANs_pyr_down()
    {
        using var scope = NewDisposeScope();
        var x = TestImages.Noise(2, 3, 12, 11, ScalarType.Float64);
        var down = LaplacianPyramid.PyrDown(x);
        Assert.Equal(new long[] { 2, 3, 6, 6 }, down.shape);
        for (var n = 0; n < 2; n++)
            for (var c = 0; c < 3; c++)
            {
                var full = Convolve(Plane(x, n, c), 1.0);
                var got = Plane(down, n, c);
                for (var y = 0; y < 6; y++)
                    for (var xx = 0; xx < 6; xx++)
                        Assert.Equal(full[2 * y, 2 * xx], got[y, xx], 12);
            }
    }

    [Fact]
    public void PyrUp_matches_a_float64_reference_of_ProGANs_pyr_up()
    {
        using var scope = NewDisposeScope();
        var x = TestImages.Noise(1, 2, 6, 12, ScalarType.Float64);
        var up = LaplacianPyramid.PyrUp(x);
        Assert.Equal(new long[] { 1, 2, 12, 12 }, up.shape);
        for (var c = 0; c < 2; c++)
        {
            var small = Plane(x, 0, c);
            var zeroed = new double[12, 12];
            for (var y = 0; y < 6; y++)
                for (var xx = 0; xx < 6; xx++)
                    zeroed[2 * y, 2 * xx] = small[y, xx];
            var expected = Convolve(zeroed, 4.0);
            var got = Plane(up, 0, c);
            for (var y = 0; y < 12; y++)
                for (var xx = 0; xx < 12; xx++)
                    Assert.Equal(expected[y, xx], got[y, xx], 12);
        }
    }

    [Fact]
    public void Pyramid_reconstructs_the_image_and_keeps_constants_in_the_last_level()
    {
        using var scope = NewDisposeScope();
        var x = TestImages.Noise(2, 1, 32, 13, ScalarType.Float64);
        var pyramid = LaplacianPyramid.Generate(x, 3);
        Assert.Equal(new long[] { 32, 16, 8 }, pyramid.Select(p => p.shape[2]).ToArray());
        Assert.True(LaplacianPyramid.Reconstruct(pyramid).allclose(x, rtol: 0, atol: 1e-12));

        var constant = full(new long[] { 1, 1, 32, 32 }, 0.25, dtype: ScalarType.Float64);
        var flat = LaplacianPyramid.Generate(constant, 3);
        Assert.True(flat[0].abs().max().ToDouble() < 1e-12);
        Assert.True(flat[1].abs().max().ToDouble() < 1e-12);
        Assert.True((flat[2] - 0.25).abs().max().ToDouble() < 1e-12);
    }

    [Fact]
    public void Pyramid_rejects_sizes_that_do_not_halve_evenly()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => LaplacianPyramid.Generate(zeros(1, 1, 18, 18), 3));
    }
}
