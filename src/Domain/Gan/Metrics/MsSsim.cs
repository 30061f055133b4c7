using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GanService.Domain.Gan.Metrics;

/// <summary>
/// Settings of MS-SSIM (Wang, Simoncelli and Bovik 2003). Defaults: Gaussian window 11 x 11 with sigma 1.5,
/// K1 = 0.01, K2 = 0.03, data range 2 (images in [-1, 1]), the five published scale weights.
/// </summary>
public sealed record MsSsimOptions
{
    public static MsSsimOptions Default { get; } = new();

    public int WindowSize { get; init; } = 11;
    public double Sigma { get; init; } = 1.5;
    public double K1 { get; init; } = 0.01;
    public double K2 { get; init; } = 0.03;

    /// <summary>max - min of the pixel range: 2 for [-1, 1].</summary>
    public double DataRange { get; init; } = 2.0;

    /// <summary>Weights of the scales, finest first; their count is the most scales used.</summary>
    public IReadOnlyList<double> Weights { get; init; } = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333];

    internal void Validate()
    {
        if (WindowSize < 1 || WindowSize % 2 == 0)
            throw new ArgumentException($"WindowSize must be odd and positive, got {WindowSize}.");
        if (Sigma <= 0 || DataRange <= 0 || K1 <= 0 || K2 <= 0)
            throw new ArgumentException("Sigma, DataRange, K1 and K2 must be positive.");
        if (Weights.Count == 0 || Weights.Any(w => w <= 0))
            throw new ArgumentException("Weights must be a non-empty list of positive numbers.");
    }
}

/// <summary>
/// Multi-scale structural similarity per image pair, as the reference implementations (tf.image.ssim_multiscale,
/// pytorch_msssim): per channel, at each scale the contrast-structure term cs (the mean of
/// (2 sigma_xy + C2) / (sigma_x^2 + sigma_y^2 + C2) over the valid window positions), at the coarsest scale the full
/// SSIM (luminance x cs); negative terms are clipped to 0 (ReLU); the product of the terms raised to the weights; then the
/// mean over channels. Between scales the images are 2 x 2 average-pooled.
/// <para>
/// Small images: the five standard scales need at least 11 * 16 = 176 px. Here the number of scales is the largest
/// M &lt;= 5 whose coarsest scale, min(H, W) / 2^(M-1), is still at least the window (11 px), and the first M weights
/// are rescaled to sum to 1: 256 px and up use all 5, 128 px 4, 64 px 3 (64, 32, 16), 32 px 2, 16 px 1 (plain SSIM).
/// The window itself is kept at 11 x 11, sigma 1.5, so every scale measures the standard local statistics. Images below
/// 11 px use one scale with the window shrunk to the largest odd size that fits.
/// </para>
/// </summary>
public static class MsSsim
{
    /// <summary>The number of scales used for images of this size (see the class remarks).</summary>
    public static int Scales(long height, long width, MsSsimOptions? options = null)
    {
        options ??= MsSsimOptions.Default;
        var size = Math.Min(height, width);
        var scales = 1;
        while (scales < options.Weights.Count && (size >> scales) >= options.WindowSize)
            scales++;
        return scales;
    }

    /// <summary>MS-SSIM of each pair (x[i], y[i]): a vector of N values in [0, 1], 1 for identical images.</summary>
    public static Tensor Compute(Tensor x, Tensor y, MsSsimOptions? options = null)
    {
        options ??= MsSsimOptions.Default;
        options.Validate();
        ImageBatch.Check(x, nameof(x));
        ImageBatch.Check(y, nameof(y));
        ImageBatch.CheckSameImageShape(x, y, nameof(x), nameof(y));
        if (x.shape[0] != y.shape[0])
            throw new ArgumentException($"x and y must hold the same number of images, got {x.shape[0]} and {y.shape[0]}.");

        using var scope = NewDisposeScope();
        var dtype = ImageBatch.WorkType(x);
        var (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
        var scales = Scales(h, w, options);
        var window = (int)Math.Min(options.WindowSize, Math.Min(h, w) % 2 == 1 ? Math.Min(h, w) : Math.Min(h, w) - 1);
        var weights = options.Weights.Take(scales).ToArray();
        var total = weights.Sum();
        var gauss = GaussianWindow(window, options.Sigma, dtype, x.device);
        var c1 = Math.Pow(options.K1 * options.DataRange, 2);
        var c2 = Math.Pow(options.K2 * options.DataRange, 2);

        // Channels become separate planes: (N*C) x 1 x H x W.
        var a = x.to_type(dtype).reshape(n * c, 1, h, w);
        var b = y.to_type(dtype).reshape(n * c, 1, h, w);
        Tensor? product = null;
        for (var s = 0; s < scales; s++)
        {
            var (ssim, cs) = SsimTerms(a, b, gauss, c1, c2);
            var term = (s == scales - 1 ? ssim : cs).relu().pow(weights[s] / total);
            product = product is null ? term : product * term;
            if (s < scales - 1)
            {
                var pad = new[] { a.shape[2] % 2, a.shape[3] % 2 };
                a = F.avg_pool2d(a, new long[] { 2, 2 }, new long[] { 2, 2 }, pad);
                b = F.avg_pool2d(b, new long[] { 2, 2 }, new long[] { 2, 2 }, pad);
            }
        }
        return product!.reshape(n, c).mean(new long[] { 1 }).MoveToOuterDisposeScope();
    }

    /// <summary>Mean SSIM and mean cs per plane, over the valid (unpadded) window positions.</summary>
    private static (Tensor Ssim, Tensor Cs) SsimTerms(Tensor a, Tensor b, (Tensor Row, Tensor Col) g, double c1, double c2)
    {
        Tensor Filter(Tensor t) => F.conv2d(F.conv2d(t, g.Row), g.Col);
        var muA = Filter(a);
        var muB = Filter(b);
        var varA = Filter(a * a) - muA * muA;
        var varB = Filter(b * b) - muB * muB;
        var cov = Filter(a * b) - muA * muB;
        var csMap = (2 * cov + c2) / (varA + varB + c2);
        var ssimMap = (2 * muA * muB + c1) / (muA * muA + muB * muB + c1) * csMap;
        var dims = new long[] { 1, 2, 3 };
        return (ssimMap.mean(dims), csMap.mean(dims));
    }

    private static (Tensor Row, Tensor Col) GaussianWindow(int size, double sigma, ScalarType dtype, Device device)
    {
        var g = new double[size];
        var centre = size / 2;
        for (var i = 0; i < size; i++)
            g[i] = Math.Exp(-((i - centre) * (i - centre)) / (2 * sigma * sigma));
        var sum = g.Sum();
        for (var i = 0; i < size; i++)
            g[i] /= sum;
        return (tensor(g, new long[] { 1, 1, 1, size }, dtype: dtype, device: device),
                tensor(g, new long[] { 1, 1, size, 1 }, dtype: dtype, device: device));
    }
}
