namespace GanService.Domain.Gan.Diagnosis;

/// <summary>
/// One record of a training run's history, logged every few iterations (losses, discriminator outputs) and at
/// evaluations (the metrics). Fields that were not measured at this point stay null.
/// </summary>
public sealed record TrainingSnapshot
{
    /// <summary>The training iteration (one D step and one G step) this record describes.</summary>
    public required long Iteration { get; init; }

    /// <summary>Discriminator loss, averaged over the logging interval.</summary>
    public double? LossD { get; init; }

    /// <summary>Generator loss, averaged over the logging interval.</summary>
    public double? LossG { get; init; }

    /// <summary>
    /// How sure D is that real images are real, in [0, 1], averaged over the logging interval: the mean sigmoid of D's
    /// logits on real images (see <see cref="DiscriminatorConfidence"/> for hinge and WGAN critics).
    /// </summary>
    public double? DReal { get; init; }

    /// <summary>How much D believes generated images are real, in [0, 1] (same scale as <see cref="DReal"/>).</summary>
    public double? DFake { get; init; }

    /// <summary>SWD x 1e3 average at an evaluation (not used by the rules yet; kept for trends and reports).</summary>
    public double? Swd { get; init; }

    /// <summary>Mean MS-SSIM over pairs of generated images (higher = less diverse).</summary>
    public double? Diversity { get; init; }

    /// <summary>Mean MS-SSIM over pairs of real images, the reference for <see cref="Diversity"/>.</summary>
    public double? RealDiversity { get; init; }

    /// <summary>Nearest-neighbour ratio (generated-to-real distance / real leave-one-out floor).</summary>
    public double? NnRatio { get; init; }

    /// <summary>The adaptive augmentation probability p (ADA), when adaptive augmentation is on.</summary>
    public double? AugmentP { get; init; }

    /// <summary>True when the trainer saw a NaN or infinite loss or gradient in this interval.</summary>
    public bool NonFinite { get; init; }
}

/// <summary>A finding about a training run, written for illustrators: what happens, and what to try.</summary>
/// <param name="Code">Stable identifier, one of <see cref="DiagnosisCodes"/>.</param>
/// <param name="Iteration">The iteration at which the problem was recognised.</param>
/// <param name="Message">What is going on, in plain words.</param>
/// <param name="Suggestion">What to change.</param>
/// <param name="StopTraining">True when training must stop (divergence): keep the last good checkpoint.</param>
/// <remarks>
/// <see cref="Values"/> holds the figures that <see cref="Message"/> and <see cref="Suggestion"/> quote, formatted as
/// they are there, by name, so a client can say the same in another language (the studio's Japanese does).
/// </remarks>
public sealed record GanDiagnosis(string Code, long Iteration, string Message, string Suggestion, bool StopTraining = false,
    IReadOnlyDictionary<string, string>? Values = null)
{
    /// <summary>Value equality, <see cref="Values"/> compared by content.</summary>
    public bool Equals(GanDiagnosis? other) =>
        other is not null && Code == other.Code && Iteration == other.Iteration && Message == other.Message
        && Suggestion == other.Suggestion && StopTraining == other.StopTraining
        && (Values ?? Empty).OrderBy(v => v.Key, StringComparer.Ordinal).SequenceEqual((other.Values ?? Empty).OrderBy(v => v.Key, StringComparer.Ordinal));

    public override int GetHashCode() => HashCode.Combine(Code, Iteration, Message);

    private static readonly Dictionary<string, string> Empty = [];
}

/// <summary>The codes of <see cref="GanDiagnosis"/>.</summary>
public static class DiagnosisCodes
{
    public const string DOverpowering = "d-overpowering";
    public const string ModeCollapse = "mode-collapse";
    public const string Divergence = "divergence";
    public const string Memorisation = "memorisation";
    public const string AugmentationLeaking = "augmentation-leaking";
    public const string Stalled = "stalled";
}
