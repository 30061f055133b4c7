using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Domain.Gan.Losses;

/// <summary>
/// Gradient penalties on the discriminator. Both take D as a function from images to logits, so the caller can
/// put augmentation (DiffAugment/ADA) or instance noise inside it; the gradient is taken w.r.t. the images
/// passed in. The returned penalty keeps its graph (create_graph), so backward() on it reaches D's parameters.
/// Add it to the D loss (or backward it alone) in the D step.
/// </summary>
public static class GradientPenalty
{
    /// <summary>Added under the square root of the WGAN-GP norm so that a zero gradient has a finite derivative.</summary>
    public const double NormEpsilon = 1e-12;

    /// <summary>
    /// WGAN-GP (Gulrajani et al. 2017): lambda * E[(||grad_x̂ D(x̂)||_2 - 1)^2] on x̂ = a*real + (1-a)*fake,
    /// a ~ U(0,1) per sample. real and fake are detached (only D is penalised).
    /// </summary>
    /// <param name="generator">Source of the interpolation weights; null uses torch's default generator.</param>
    public static Tensor Wgan(Func<Tensor, Tensor> d, Tensor real, Tensor fake, double lambda = 10.0, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(d);
        ArgumentNullException.ThrowIfNull(real);
        ArgumentNullException.ThrowIfNull(fake);
        if (!real.shape.SequenceEqual(fake.shape))
            throw new ArgumentException("real and fake must have the same shape.", nameof(fake));
        using var scope = NewDisposeScope();
        var n = real.shape[0];
        var alphaShape = new long[real.dim()];
        Array.Fill(alphaShape, 1L);
        alphaShape[0] = n;
        var alpha = rand(alphaShape, dtype: real.dtype, generator: generator).to(real.device);
        var interpolated = (alpha * real.detach() + (1.0 - alpha) * fake.detach()).detach().requires_grad_(true);
        var grad = InputGradient(d, interpolated);
        var norm = (grad.reshape(n, -1).square().sum(1) + NormEpsilon).sqrt();
        var penalty = (norm - 1.0).square().mean() * lambda;
        return penalty.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// R1 (Mescheder et al. 2018): gamma/2 * E[||grad_x D(x)||^2] on real images. For lazy regularisation
    /// (StyleGAN2) call it every <c>interval</c> D steps only and pass <paramref name="interval"/> so the
    /// penalty is scaled by it (see <see cref="LazyRegularization"/>).
    /// </summary>
    public static Tensor R1(Func<Tensor, Tensor> d, Tensor real, double gamma, int interval = 1)
    {
        ArgumentNullException.ThrowIfNull(d);
        ArgumentNullException.ThrowIfNull(real);
        if (interval < 1) throw new ArgumentOutOfRangeException(nameof(interval));
        using var scope = NewDisposeScope();
        var x = real.detach().requires_grad_(true);
        var grad = InputGradient(d, x);
        var penalty = grad.reshape(x.shape[0], -1).square().sum(1).mean() * (gamma / 2.0 * interval);
        return penalty.MoveToOuterDisposeScope();
    }

    private static Tensor InputGradient(Func<Tensor, Tensor> d, Tensor x)
    {
        var logits = d(x);
        // TORCHSHARP.md: create_graph needs retain_graph too in 0.107.0.
        return autograd.grad(new[] { logits.sum() }, new[] { x }, create_graph: true, retain_graph: true)[0];
    }
}

/// <summary>
/// Lazy regularisation as in StyleGAN2 (Karras et al. 2020, appendix B): the regulariser is evaluated every k-th
/// step only and multiplied by k, and Adam's hyperparameters are corrected for the extra steps.
/// </summary>
public static class LazyRegularization
{
    /// <summary>True on the steps (counted from 0) where a regulariser with this interval runs.</summary>
    public static bool IsDue(long step, int interval) => interval > 0 && step % interval == 0;

    /// <summary>
    /// StyleGAN2's Adam correction for a regulariser run every <paramref name="interval"/> steps:
    /// c = k/(k+1); lr *= c, beta1 ^= c, beta2 ^= c.
    /// </summary>
    public static (double Lr, double Beta1, double Beta2) AdjustAdam(double lr, double beta1, double beta2, int interval)
    {
        if (interval < 1) throw new ArgumentOutOfRangeException(nameof(interval));
        var c = interval / (interval + 1.0);
        return (lr * c, Math.Pow(beta1, c), Math.Pow(beta2, c));
    }
}

/// <summary>
/// Annealed instance noise (Sønderby et al. 2016; Arjovsky and Bottou 2017): Gaussian noise with a standard deviation
/// that decays linearly from sigma0 at iteration 0 to 0 at <see cref="AnnealIterations"/>, added to both the real
/// and the fake input of D.
/// </summary>
public sealed class InstanceNoise
{
    public InstanceNoise(double sigma0, long annealIterations)
    {
        if (sigma0 < 0 || double.IsNaN(sigma0)) throw new ArgumentOutOfRangeException(nameof(sigma0));
        if (annealIterations < 0) throw new ArgumentOutOfRangeException(nameof(annealIterations));
        Sigma0 = sigma0;
        AnnealIterations = annealIterations;
    }

    public double Sigma0 { get; }
    public long AnnealIterations { get; }

    /// <summary>sigma0 * max(0, 1 - iteration / N); 0 once N is reached (and always when N = 0).</summary>
    public double StdAt(long iteration)
    {
        if (AnnealIterations == 0 || iteration >= AnnealIterations) return 0.0;
        return Sigma0 * (1.0 - Math.Max(0, iteration) / (double)AnnealIterations);
    }

    /// <summary>x + std(iteration) * N(0, 1); x itself when the std is 0. Differentiable w.r.t. x.</summary>
    public Tensor Apply(Tensor x, long iteration, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        var std = StdAt(iteration);
        if (std == 0.0) return x;
        using var scope = NewDisposeScope();
        var noise = randn(x.shape, dtype: x.dtype, generator: generator).to(x.device);
        return (x + noise * std).MoveToOuterDisposeScope();
    }
}
