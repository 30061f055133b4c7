using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Domain.Gan.Diagnosis;

/// <summary>What the discriminator's raw outputs are.</summary>
public enum DiscriminatorOutput
{
    /// <summary>Logits of a real/fake classifier (BCE / non-saturating loss, hinge loss): read through a sigmoid.</summary>
    Logit,

    /// <summary>
    /// Unbounded critic scores (WGAN): their offset means nothing, so the scores are split at the midpoint of the real
    /// and fake means, and the share of each set on the "real" side is reported.
    /// </summary>
    Critic,
}

/// <summary>
/// Turns a batch of discriminator outputs into the [0, 1] values <see cref="TrainingSnapshot.DReal"/> and
/// <see cref="TrainingSnapshot.DFake"/> that the d-overpowering rule reads.
/// <para>
/// Hinge: sigmoid(1) = 0.73, so D(real) &gt;= 0.9 needs real logits beyond about 2.2, past the hinge margin of 1 that
/// the loss asks for; that is what an overpowering hinge D does. Critic mode reads separation only; a WGAN-GP critic
/// may separate well while training is healthy, so the rule is advisory there (leave DReal/DFake null to switch it off).
/// </para>
/// </summary>
public static class DiscriminatorConfidence
{
    public static (double DReal, double DFake) FromOutputs(Tensor realOutputs, Tensor fakeOutputs, DiscriminatorOutput kind = DiscriminatorOutput.Logit)
    {
        ArgumentNullException.ThrowIfNull(realOutputs);
        ArgumentNullException.ThrowIfNull(fakeOutputs);
        using var scope = NewDisposeScope();
        var real = realOutputs.detach().to_type(ScalarType.Float64).flatten();
        var fake = fakeOutputs.detach().to_type(ScalarType.Float64).flatten();
        if (kind == DiscriminatorOutput.Logit)
            return (real.sigmoid().mean().ToDouble(), fake.sigmoid().mean().ToDouble());
        var centre = (real.mean() + fake.mean()) / 2;
        return ((real > centre).to_type(ScalarType.Float64).mean().ToDouble(),
                (fake > centre).to_type(ScalarType.Float64).mean().ToDouble());
    }
}
