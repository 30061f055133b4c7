using GanService.Domain.Gan.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Domain.Gan.Generation;

/// <summary>How hard <see cref="Projection.Find"/> searches: random starts optimised together, Adam steps on z.</summary>
public sealed record ProjectionOptions(int Starts = 8, int Steps = 150, double LearningRate = 0.05, long Seed = 0, double SsimWeight = 1.0);

/// <summary>The latent found (latentDim values), its image (1, C, R, R) in [-1, 1], and how close it came.</summary>
public sealed record ProjectionResult(float[] Latent, Tensor Image, double Loss, double Ssim, double MeanAbsoluteError) : IDisposable
{
    public void Dispose() => Image.Dispose();
}

/// <summary>
/// Finds the latent whose image is closest to a drawing, with no pretrained network: z is optimised against a
/// pixel (L1) plus SSIM loss (StyleGAN2's projector optimises w against LPIPS, whose VGG weights cannot be
/// downloaded here). Several random starts are optimised in one batch and the closest wins, since a GAN's latent
/// space has many poor local optima. Gradients are taken with respect to z alone (<c>autograd.grad</c>), so the
/// shared generator's parameters and their .grad are never touched and concurrent requests are safe.
/// </summary>
public static class Projection
{
    public static ProjectionResult Find(LoadedGenerator generator, Tensor target, int? label, ProjectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(target);
        options ??= new ProjectionOptions();
        var config = generator.Config;
        var expected = new long[] { 1, config.Channels, config.Resolution, config.Resolution };
        if (!target.shape.SequenceEqual(expected))
            throw new ArgumentException($"target must be {string.Join(" x ", expected)}, got {string.Join(" x ", target.shape)}", nameof(target));

        using var scope = NewDisposeScope();
        var device = generator.Device;
        var (z0, labels) = Latents.Draw(config, options.Starts, options.Seed, label);
        // starts x latentDim, optimised by a hand-written Adam (no optimiser object over shared state).
        var z = z0.to(device).detach().requires_grad_(true);
        labels = labels?.to(device);
        var goal = target.to(device).expand(options.Starts, -1, -1, -1);
        var m = zeros_like(z);
        var v = zeros_like(z);
        const double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
        for (var step = 1; step <= options.Steps; step++)
        {
            using var stepScope = NewDisposeScope();
            var (loss, _, _) = Loss(generator, z, labels, goal, options.SsimWeight);
            var gradient = autograd.grad([loss.sum()], [z])[0];
            using (no_grad())
            {
                m.mul_(beta1).add_(gradient, alpha: 1 - beta1);
                v.mul_(beta2).addcmul_(gradient, gradient, value: 1 - beta2);
                var mHat = m / (1 - Math.Pow(beta1, step));
                var vHat = v / (1 - Math.Pow(beta2, step));
                z.sub_(options.LearningRate * mHat / (vHat.sqrt() + eps));
            }
        }

        using (no_grad())
        {
            var (loss, ssim, l1) = Loss(generator, z, labels, goal, options.SsimWeight);
            var best = (int)loss.argmin().item<long>();
            var image = generator.Generator.Generate(z[best..(best + 1)], labels?[best..(best + 1)]).clamp(-1, 1).cpu().detach();
            return new ProjectionResult(z[best].cpu().data<float>().ToArray(), image.MoveToOuterDisposeScope(),
                loss[best].item<float>(), ssim[best].item<float>(), l1[best].item<float>());
        }
    }

    /// <summary>Per start: L1 + w * (1 - SSIM), and its two parts.</summary>
    private static (Tensor Loss, Tensor Ssim, Tensor L1) Loss(LoadedGenerator generator, Tensor z, Tensor? labels, Tensor goal, double ssimWeight)
    {
        var images = generator.Generator.Generate(z, labels).clamp(-1, 1);
        var l1 = (images - goal).abs().mean([1, 2, 3]);
        var ssim = MsSsim.Compute(images, goal);
        return (l1 + ssimWeight * (1 - ssim), ssim, l1);
    }
}
