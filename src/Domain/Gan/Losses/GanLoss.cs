using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Domain.Gan.Losses;

/// <summary>The adversarial objective.</summary>
public enum GanLossKind
{
    /// <summary>
    /// Non-saturating GAN (Goodfellow et al. 2014) as binary cross-entropy on logits:
    /// D minimises softplus(-D(x)) + softplus(D(G(z))), G minimises softplus(-D(G(z))).
    /// </summary>
    NonSaturating,

    /// <summary>Hinge loss (Lim and Ye 2017; SAGAN, BigGAN): D: relu(1 - D(x)) + relu(1 + D(G(z))), G: -D(G(z)).</summary>
    Hinge,

    /// <summary>
    /// Wasserstein (critic) loss: D: D(G(z)) - D(x), G: -D(G(z)). Needs a Lipschitz constraint: use it with
    /// <see cref="GradientPenalty.Wgan"/> (WGAN-GP) and several critic steps per G step.
    /// </summary>
    Wasserstein,

    /// <summary>
    /// FastGAN's hinge (Liu et al. 2021, train.py): D: relu(m - D(x)) + relu(m' + D(G(z))) with margins m, m' drawn
    /// from U(0.8, 1) for every logit at every step, G: -D(G(z)). The jittered margin keeps D from settling exactly
    /// on the hinge.
    /// </summary>
    RandomHinge,
}

/// <summary>
/// Adversarial losses on raw discriminator outputs (logits, any shape; every term is a mean over all elements).
/// The discriminator loss is the sum of the real and the fake term, as in the DCGAN PyTorch example.
/// </summary>
public sealed class GanLoss
{
    private GanLoss(GanLossKind kind) => Kind = kind;

    public GanLossKind Kind { get; }

    public static GanLoss NonSaturating { get; } = new(GanLossKind.NonSaturating);
    public static GanLoss Hinge { get; } = new(GanLossKind.Hinge);
    public static GanLoss Wasserstein { get; } = new(GanLossKind.Wasserstein);
    public static GanLoss RandomHinge { get; } = new(GanLossKind.RandomHinge);

    public static GanLoss For(GanLossKind kind) => kind switch
    {
        GanLossKind.NonSaturating => NonSaturating,
        GanLossKind.Hinge => Hinge,
        GanLossKind.Wasserstein => Wasserstein,
        GanLossKind.RandomHinge => RandomHinge,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown GAN loss."),
    };

    /// <summary>
    /// The discriminator (critic) loss, to be minimised. <paramref name="random"/> draws the random margins
    /// (<see cref="GanLossKind.RandomHinge"/> only; required there).
    /// </summary>
    public Tensor Discriminator(Tensor realLogits, Tensor fakeLogits, Generator? random = null)
    {
        ArgumentNullException.ThrowIfNull(realLogits);
        ArgumentNullException.ThrowIfNull(fakeLogits);
        using var scope = NewDisposeScope();
        Tensor loss = Kind switch
        {
            // BCEWithLogits(real, 1) + BCEWithLogits(fake, 0); softplus is the numerically stable form.
            GanLossKind.NonSaturating => nn.functional.softplus(-realLogits).mean() + nn.functional.softplus(fakeLogits).mean(),
            GanLossKind.Hinge => nn.functional.relu(1.0 - realLogits).mean() + nn.functional.relu(1.0 + fakeLogits).mean(),
            GanLossKind.Wasserstein => fakeLogits.mean() - realLogits.mean(),
            GanLossKind.RandomHinge => RandomHingeTerms(realLogits, fakeLogits,
                Margins(realLogits, random ?? throw new ArgumentNullException(nameof(random), "The random hinge draws its margins from a generator.")),
                Margins(fakeLogits, random)),
            _ => throw new InvalidOperationException(),
        };
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>relu(m_real - real).mean() + relu(m_fake + fake).mean(): the random hinge for given margins.</summary>
    public static Tensor RandomHingeTerms(Tensor realLogits, Tensor fakeLogits, Tensor realMargins, Tensor fakeMargins) =>
        nn.functional.relu(realMargins - realLogits).mean() + nn.functional.relu(fakeMargins + fakeLogits).mean();

    /// <summary>U(0.8, 1) for every logit: torch.rand_like(pred) * 0.2 + 0.8.</summary>
    public static Tensor Margins(Tensor logits, Generator random) =>
        rand(logits.shape, dtype: logits.dtype, generator: random).to(logits.device) * 0.2 + 0.8;

    /// <summary>The generator loss, to be minimised.</summary>
    public Tensor Generator(Tensor fakeLogits)
    {
        ArgumentNullException.ThrowIfNull(fakeLogits);
        using var scope = NewDisposeScope();
        Tensor loss = Kind switch
        {
            GanLossKind.NonSaturating => nn.functional.softplus(-fakeLogits).mean(),
            GanLossKind.Hinge or GanLossKind.Wasserstein or GanLossKind.RandomHinge => -fakeLogits.mean(),
            _ => throw new InvalidOperationException(),
        };
        return loss.MoveToOuterDisposeScope();
    }
}
