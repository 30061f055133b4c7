using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GanService.Domain.Gan.Metrics;

/// <summary>
/// The Laplacian pyramid of ProGAN's metrics/sliced_wasserstein.py (which matches cv2.pyrDown/pyrUp): a 5 x 5 binomial
/// kernel ([1, 4, 6, 4, 1] / 16, outer product) with mirror borders (scipy "mirror" = torch "reflect" = OpenCV
/// BORDER_REFLECT_101). Level 0 is the finest band-pass level, the last level is the low-pass residual.
/// </summary>
internal static class LaplacianPyramid
{
    private static readonly double[] Binomial = [1, 4, 6, 4, 1];

    /// <summary>The 5 x 5 kernel as (1, 1, 5, 5), times <paramref name="gain"/>.</summary>
    public static Tensor Kernel(ScalarType dtype, Device device, double gain = 1.0)
    {
        var k = new double[25];
        for (var i = 0; i < 5; i++)
            for (var j = 0; j < 5; j++)
                k[i * 5 + j] = Binomial[i] * Binomial[j] / 256.0 * gain;
        return tensor(k, new long[] { 1, 1, 5, 5 }, dtype: dtype, device: device);
    }

    /// <summary>Blur with mirror borders, then keep every second row and column: N x C x H x W -> ceil(H/2) x ceil(W/2).</summary>
    public static Tensor PyrDown(Tensor x)
    {
        var (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
        using var scope = NewDisposeScope();
        var planes = x.reshape(n * c, 1, h, w);
        var padded = F.pad(planes, new long[] { 2, 2, 2, 2 }, PaddingModes.Reflect);
        // A stride-2 convolution gives exactly the even rows and columns of the full convolution ([::2, ::2]).
        var down = F.conv2d(padded, Kernel(x.dtype, x.device), strides: new long[] { 2, 2 });
        return down.reshape(n, c, down.shape[2], down.shape[3]).MoveToOuterDisposeScope();
    }

    /// <summary>Insert zeros between pixels, then blur with 4 x the kernel: N x C x H x W -> 2H x 2W.</summary>
    public static Tensor PyrUp(Tensor x)
    {
        var (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
        using var scope = NewDisposeScope();
        var wide = stack(new[] { x, zeros_like(x) }, -1).reshape(n, c, h, 2 * w);
        var full = stack(new[] { wide, zeros_like(wide) }, -2).reshape(n * c, 1, 2 * h, 2 * w);
        var padded = F.pad(full, new long[] { 2, 2, 2, 2 }, PaddingModes.Reflect);
        var up = F.conv2d(padded, Kernel(x.dtype, x.device, 4.0));
        return up.reshape(n, c, 2 * h, 2 * w).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <paramref name="levels"/> levels: level i (i &lt; levels-1) is G_i - PyrUp(G_{i+1}), the last one is the Gaussian
    /// level itself. H and W must be divisible by 2^(levels-1).
    /// </summary>
    public static List<Tensor> Generate(Tensor x, int levels)
    {
        if (levels < 1)
            throw new ArgumentOutOfRangeException(nameof(levels));
        var factor = 1L << (levels - 1);
        if (x.shape[2] % factor != 0 || x.shape[3] % factor != 0)
            throw new ArgumentException(
                $"A {levels}-level pyramid needs H and W divisible by {factor}, got {x.shape[2]} x {x.shape[3]}.");
        var pyramid = new List<Tensor> { x };
        for (var i = 1; i < levels; i++)
        {
            var down = PyrDown(pyramid[^1]);
            pyramid[^1] = pyramid[^1] - PyrUp(down);
            pyramid.Add(down);
        }
        return pyramid;
    }

    /// <summary>The inverse of <see cref="Generate"/>.</summary>
    public static Tensor Reconstruct(IReadOnlyList<Tensor> pyramid)
    {
        var x = pyramid[^1];
        for (var i = pyramid.Count - 2; i >= 0; i--)
            x = PyrUp(x) + pyramid[i];
        return x;
    }
}
