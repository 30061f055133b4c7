using GanService.Domain.Gan.Augmentation;
using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Domain.Tests.Gan.Augmentation;

public class DiffAugmentTests
{
    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().ToBoolean();

    /// <summary>A batch of distinct positive values in (0.1, 1.1], so zeros only come from zero fill or cutout.</summary>
    private static Tensor Positive(long n, long c, long h, long w, ulong seed) =>
        rand(new long[] { n, c, h, w }, generator: new Generator(seed)) + 0.1f;

    /// <summary>The paper's translation, written as loops: out[i, j] = x[i + tx, j + ty] inside, 0 outside.</summary>
    private static float[,] Shift(float[,] img, int tx, int ty)
    {
        int h = img.GetLength(0), w = img.GetLength(1);
        var o = new float[h, w];
        for (var i = 0; i < h; i++)
            for (var j = 0; j < w; j++)
            {
                int si = i + tx, sj = j + ty;
                o[i, j] = si >= 0 && si < h && sj >= 0 && sj < w ? img[si, sj] : 0f;
            }
        return o;
    }

    private static float[,] Plane(Tensor x, int b, int c)
    {
        int h = (int)x.shape[2], w = (int)x.shape[3];
        var v = x[b, c].contiguous().data<float>().ToArray();
        var o = new float[h, w];
        for (var i = 0; i < h; i++) for (var j = 0; j < w; j++) o[i, j] = v[i * w + j];
        return o;
    }

    private static bool Equal(float[,] a, float[,] b) => a.Cast<float>().SequenceEqual(b.Cast<float>());

    [Theory]
    [InlineData("color,translation,cutout", 1.0, 3)]
    [InlineData("color,translation,cutout", 0.5, 1)]
    [InlineData("color", 1.0, 3)]
    [InlineData("translation", 0.3, 3)]
    [InlineData("cutout", 1.0, 1)]
    public void Shape_and_dtype_are_preserved(string policy, double p, long channels)
    {
        using var scope = NewDisposeScope();
        var x = Positive(6, channels, 16, 12, 1) * 2 - 1;
        var y = new DiffAugment(policy).Apply(x, p, new Generator(3));
        Assert.Equal(x.shape, y.shape);
        Assert.Equal(x.dtype, y.dtype);
        Assert.True(y.isfinite().all().ToBoolean());
    }

    [Fact]
    public void P_zero_is_the_identity_and_policy_is_validated()
    {
        using var scope = NewDisposeScope();
        var x = Positive(4, 3, 8, 8, 1);
        var aug = new DiffAugment();
        Assert.Same(x, aug.Apply(x, 0.0, new Generator(1)));
        Assert.Equal("color,translation,cutout", new DiffAugment(" cutout, color ,translation").Policy);
        Assert.Throws<ArgumentException>(() => new DiffAugment("color,flip"));
    }

    [Fact]
    public void Translate_shifts_by_whole_pixels_with_zero_fill_on_a_hand_made_image()
    {
        using var scope = NewDisposeScope();
        var x = arange(1, 65, dtype: ScalarType.Float32).view(1, 1, 8, 8);
        // out[i, j] = x[i + 1, j - 2]: rows move up by one, columns right by two, zeros come in.
        var y = DiffAugment.Translate(x, tensor(new long[] { 1 }), tensor(new long[] { -2 }));
        var expected = new float[8, 8];
        for (var i = 0; i < 8; i++)
            for (var j = 0; j < 8; j++)
                expected[i, j] = i + 1 < 8 && j - 2 >= 0 ? (i + 1) * 8 + (j - 2) + 1 : 0;
        Assert.True(Equal(expected, Plane(y, 0, 0)));
        Assert.True(Same(x, DiffAugment.Translate(x, tensor(new long[] { 0 }), tensor(new long[] { 0 }))));
        Assert.True(Same(zeros_like(x), DiffAugment.Translate(x, tensor(new long[] { 9 }), tensor(new long[] { 0 }))));
    }

    [Fact]
    public void Translation_policy_applies_one_integer_shift_per_sample_within_an_eighth()
    {
        using var scope = NewDisposeScope();
        var x = Positive(32, 3, 16, 16, 2);
        var y = new DiffAugment("translation").Apply(x, 1.0, new Generator(11));
        var shifts = new HashSet<(int, int)>();
        for (var b = 0; b < 32; b++)
        {
            (int, int)? found = null;
            for (var tx = -2; tx <= 2 && found is null; tx++)
                for (var ty = -2; ty <= 2 && found is null; ty++)
                    if (Enumerable.Range(0, 3).All(c => Equal(Shift(Plane(x, b, c), tx, ty), Plane(y, b, c))))
                        found = (tx, ty);
            Assert.NotNull(found);
            shifts.Add(found!.Value);
        }
        Assert.True(shifts.Count > 5, "shifts should vary between samples");
    }

    [Fact]
    public void Cutout_zeroes_exactly_a_half_size_square_clipped_at_the_border()
    {
        using var scope = NewDisposeScope();
        var x = Positive(1, 2, 16, 16, 3);
        var y = DiffAugment.Cutout(x, tensor(new long[] { 8 }), tensor(new long[] { 5 }), 8, 8);
        for (var c = 0; c < 2; c++)
        {
            var (a, b) = (Plane(x, 0, c), Plane(y, 0, c));
            for (var i = 0; i < 16; i++)
                for (var j = 0; j < 16; j++)
                    Assert.Equal(i is >= 4 and < 12 && j is >= 1 and < 9 ? 0f : a[i, j], b[i, j]);
        }

        // Through the policy: every sample loses one (possibly clipped) 8x8 square with the paper's offsets
        // (centre in [0, 16]); the values outside it are untouched.
        var xs = Positive(64, 1, 16, 16, 4);
        var ys = new DiffAugment("cutout").Apply(xs, 1.0, new Generator(5));
        var full = 0;
        for (var b = 0; b < 64; b++)
        {
            var (a, o) = (Plane(xs, b, 0), Plane(ys, b, 0));
            var zeros = o.Cast<float>().Count(v => v == 0f);
            var match = false;
            for (var ox = 0; ox <= 16 && !match; ox++)
                for (var oy = 0; oy <= 16 && !match; oy++)
                {
                    var ok = true;
                    for (var i = 0; i < 16 && ok; i++)
                        for (var j = 0; j < 16 && ok; j++)
                        {
                            var cut = i >= ox - 4 && i < ox + 4 && j >= oy - 4 && j < oy + 4;
                            ok = o[i, j] == (cut ? 0f : a[i, j]);
                        }
                    match = ok;
                }
            Assert.True(match, $"sample {b}: zeroed set is not a clipped 8x8 square");
            Assert.InRange(zeros, 16, 64);
            if (zeros == 64) full++;
        }
        Assert.True(full > 0);
    }

    [Fact]
    public void Color_operations_match_the_paper_formulas()
    {
        using var scope = NewDisposeScope();
        var x = (Positive(2, 3, 4, 4, 6) * 2 - 1).to(ScalarType.Float64);
        var v = tensor(new[] { 0.3, -0.2 });
        Assert.True(DiffAugment.Brightness(x, v).allclose(x + v.view(2, 1, 1, 1), 0, 1e-15));

        var f = tensor(new[] { 1.7, 0.4 });
        var meanC = x.mean(new long[] { 1 }, keepdim: true);
        Assert.True(DiffAugment.Saturation(x, f).allclose(meanC + (x - meanC) * f.view(2, 1, 1, 1), 0, 1e-14));
        // One channel: the channel mean is the pixel itself, so saturation is exactly a no-op.
        var gray = x[.., 0..1];
        Assert.True(Same(gray, DiffAugment.Saturation(gray, f)));

        var meanAll = x.mean(new long[] { 1, 2, 3 }, keepdim: true);
        var expected = meanAll + (x - meanAll) * f.view(2, 1, 1, 1);
        Assert.True(DiffAugment.Contrast(x, f).allclose(expected, 0, 1e-14));
        // Contrast keeps each sample's mean.
        Assert.True(DiffAugment.Contrast(x, f).mean(new long[] { 1, 2, 3 }).allclose(meanAll.view(2), 0, 1e-14));

        // Through the policy on one channel: each sample is an affine map a*x + b with a in [0.5, 1.5].
        var g1 = Positive(16, 1, 8, 8, 7);
        var y = new DiffAugment("color").Apply(g1, 1.0, new Generator(8));
        for (var b = 0; b < 16; b++)
        {
            var xb = g1[b].flatten(); var yb = y[b].flatten();
            var a = ((yb[1] - yb[0]) / (xb[1] - xb[0])).item<float>();
            Assert.InRange(a, 0.5f - 1e-4f, 1.5f + 1e-4f);
            Assert.True((yb - xb * a).allclose((yb - xb * a)[0].expand_as(yb), 0, 1e-4));
        }
    }

    [Fact]
    public void Gradients_flow_through_every_augmentation_to_the_input()
    {
        using var scope = NewDisposeScope();
        foreach (var policy in new[] { "color", "translation", "cutout", "color,translation,cutout" })
        {
            var x = (Positive(4, 3, 16, 16, 9) * 2 - 1).requires_grad_(true);
            var weights = randn(new long[] { 4, 3, 16, 16 }, generator: new Generator(10));
            var y = new DiffAugment(policy).Apply(x, 1.0, new Generator(12));
            (y * weights).sum().backward();
            var grad = x.grad!;
            Assert.True(grad.isfinite().all().ToBoolean());
            Assert.True(grad.abs().sum().item<float>() > 0, policy);
        }
    }

    [Fact]
    public void Output_is_determined_by_the_generator_and_p_selects_samples()
    {
        using var scope = NewDisposeScope();
        var x = Positive(64, 3, 16, 16, 13);
        var aug = new DiffAugment();
        Assert.True(Same(aug.Apply(x, 1.0, new Generator(21)), aug.Apply(x, 1.0, new Generator(21))));
        Assert.False(Same(aug.Apply(x, 1.0, new Generator(21)), aug.Apply(x, 1.0, new Generator(22))));

        // p = 1: every sample changes; p = 0.2: each of the five operations hits a sample with probability 0.2,
        // so about 0.8^5 = 33% of the samples stay exactly as they were.
        var all = aug.Apply(x, 1.0, new Generator(23));
        Assert.All(Enumerable.Range(0, 64), b => Assert.False(Same(all[b], x[b])));
        var some = aug.Apply(x, 0.2, new Generator(23));
        var unchanged = Enumerable.Range(0, 64).Count(b => Same(some[b], x[b]));
        Assert.InRange(unchanged, 8, 40);
    }
}
