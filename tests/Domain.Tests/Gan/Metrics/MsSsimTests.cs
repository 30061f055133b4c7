using GanService.Domain.Gan.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Domain.Tests.Gan.Metrics;

public class MsSsimTests
{
    [Theory]
    [InlineData(16, 1)]
    [InlineData(32, 2)]
    [InlineData(64, 3)]
    [InlineData(128, 4)]
    [InlineData(256, 5)]
    [InlineData(1024, 5)]
    [InlineData(8, 1)]
    public void Scales_keep_the_coarsest_scale_at_least_one_window_wide(int size, int scales) =>
        Assert.Equal(scales, MsSsim.Scales(size, size));

    [Fact]
    public void Identical_images_score_one_noise_scores_low_and_the_measure_is_symmetric()
    {
        using var scope = NewDisposeScope();
        var x = TestImages.Texture(4, 3, 32, 1);
        var y = TestImages.Noise(4, 3, 32, 2);
        var self = TestImages.ToArray(MsSsim.Compute(x, x));
        Assert.All(self, v => Assert.Equal(1.0, v, 5));

        var xy = TestImages.ToArray(MsSsim.Compute(x, y));
        var yx = TestImages.ToArray(MsSsim.Compute(y, x));
        Assert.All(xy, v => Assert.InRange(v, 0.0, 0.2));
        for (var i = 0; i < xy.Length; i++)
            Assert.Equal(xy[i], yx[i], 6);

        var slightlyNoisy = (x + 0.05 * TestImages.Noise(4, 3, 32, 3)).clamp(-1, 1);
        Assert.All(TestImages.ToArray(MsSsim.Compute(x, slightlyNoisy)), v => Assert.InRange(v, 0.5, 0.999));
    }

    [Fact]
    public void Matches_a_float64_reference_implementation()
    {
        using var scope = NewDisposeScope();
        var x = TestImages.Texture(2, 1, 32, 5, sigma: 1.5).to_type(ScalarType.Float64);
        var y = (x + 0.3 * TestImages.Noise(2, 1, 32, 6, ScalarType.Float64)).clamp(-1, 1);
        var got = TestImages.ToArray(MsSsim.Compute(x, y));
        var single = TestImages.ToArray(MsSsim.Compute(x.to_type(ScalarType.Float32), y.to_type(ScalarType.Float32)));
        for (var n = 0; n < 2; n++)
        {
            var expected = Reference(Plane(x, n), Plane(y, n));
            Assert.Equal(expected, got[n], 10);
            Assert.Equal(expected, single[n], 4);
        }
    }

    private static double[,] Plane(Tensor t, int n)
    {
        var size = (int)t.shape[2];
        var v = TestImages.ToArray(t[n, 0]);
        var p = new double[size, size];
        for (var i = 0; i < size; i++)
            for (var j = 0; j < size; j++)
                p[i, j] = v[i * size + j];
        return p;
    }

    /// <summary>Straightforward MS-SSIM (Wang et al. 2003) with valid 11 x 11 Gaussian windows, weights renormalised.</summary>
    private static double Reference(double[,] a, double[,] b)
    {
        double[] weights = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333];
        var scales = MsSsim.Scales(a.GetLength(0), a.GetLength(1));
        var total = weights.Take(scales).Sum();
        var g = new double[11];
        for (var i = 0; i < 11; i++)
            g[i] = Math.Exp(-(i - 5) * (i - 5) / (2 * 1.5 * 1.5));
        var gs = g.Sum();
        var c1 = Math.Pow(0.01 * 2, 2);
        var c2 = Math.Pow(0.03 * 2, 2);
        double result = 1;
        for (var s = 0; s < scales; s++)
        {
            var size = a.GetLength(0);
            double ssimSum = 0, csSum = 0;
            var count = 0;
            for (var y = 0; y + 11 <= size; y++)
                for (var x = 0; x + 11 <= size; x++)
                {
                    double ma = 0, mb = 0, aa = 0, bb = 0, ab = 0;
                    for (var i = 0; i < 11; i++)
                        for (var j = 0; j < 11; j++)
                        {
                            var w = g[i] * g[j] / (gs * gs);
                            var (va, vb) = (a[y + i, x + j], b[y + i, x + j]);
                            ma += w * va; mb += w * vb; aa += w * va * va; bb += w * vb * vb; ab += w * va * vb;
                        }
                    var cs = (2 * (ab - ma * mb) + c2) / (aa - ma * ma + bb - mb * mb + c2);
                    csSum += cs;
                    ssimSum += (2 * ma * mb + c1) / (ma * ma + mb * mb + c1) * cs;
                    count++;
                }
            var term = s == scales - 1 ? ssimSum / count : csSum / count;
            result *= Math.Pow(Math.Max(term, 0), weights[s] / total);
            a = Pool(a);
            b = Pool(b);
        }
        return result;
    }

    private static double[,] Pool(double[,] p)
    {
        var half = p.GetLength(0) / 2;
        var r = new double[half, half];
        for (var i = 0; i < half; i++)
            for (var j = 0; j < half; j++)
                r[i, j] = (p[2 * i, 2 * j] + p[2 * i + 1, 2 * j] + p[2 * i, 2 * j + 1] + p[2 * i + 1, 2 * j + 1]) / 4;
        return r;
    }
}
