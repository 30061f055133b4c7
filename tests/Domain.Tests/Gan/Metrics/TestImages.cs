using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GanService.Domain.Tests.Gan.Metrics;

/// <summary>Small synthetic image sets in [-1, 1] for the metric tests.</summary>
internal static class TestImages
{
    /// <summary>Uniform noise in [-1, 1].</summary>
    public static Tensor Noise(long n, long c, long size, ulong seed, ScalarType dtype = ScalarType.Float32)
    {
        using var g = new Generator(seed, CPU);
        return (rand(new[] { n, c, size, size }, dtype: dtype, generator: g) * 2 - 1);
    }

    /// <summary>A stationary "texture": noise blurred with a Gaussian of <paramref name="sigma"/>, rescaled to unit spread.</summary>
    public static Tensor Texture(long n, long c, long size, ulong seed, double sigma = 1.0)
    {
        using var scope = NewDisposeScope();
        var x = Blur(Noise(n, c, size, seed), sigma);
        x = x / x.std() * 0.4;
        return x.clamp(-1, 1).MoveToOuterDisposeScope();
    }

    /// <summary>Gaussian blur with reflect borders (separable, radius 3 sigma).</summary>
    public static Tensor Blur(Tensor x, double sigma)
    {
        if (sigma <= 0)
            return x.clone();
        using var scope = NewDisposeScope();
        var radius = Math.Max(1, (int)Math.Ceiling(3 * sigma));
        var k = Enumerable.Range(-radius, 2 * radius + 1).Select(i => Math.Exp(-i * i / (2 * sigma * sigma))).ToArray();
        var sum = k.Sum();
        k = k.Select(v => v / sum).ToArray();
        var (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
        var planes = x.reshape(n * c, 1, h, w);
        var row = tensor(k, new long[] { 1, 1, 1, k.Length }, dtype: x.dtype);
        var col = tensor(k, new long[] { 1, 1, k.Length, 1 }, dtype: x.dtype);
        planes = F.conv2d(F.pad(planes, new long[] { radius, radius, 0, 0 }, PaddingModes.Reflect), row);
        planes = F.conv2d(F.pad(planes, new long[] { 0, 0, radius, radius }, PaddingModes.Reflect), col);
        return planes.reshape(n, c, h, w).MoveToOuterDisposeScope();
    }

    public static double[] ToArray(Tensor t) => t.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
}
