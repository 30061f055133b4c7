namespace GanService.Domain.Gan.Diagnosis;

/// <summary>
/// Thresholds of <see cref="GanDiagnostics"/>. Every rule fires once when its problem starts (an episode) and can fire
/// again only after the problem has cleared, which needs the looser "clear" threshold (hysteresis), so a value hovering
/// at the threshold does not fire over and over.
/// </summary>
public sealed record DiagnosticsOptions
{
    public static DiagnosticsOptions Default { get; } = new();

    // d-overpowering: D is sure about both real and generated images for a sustained stretch.
    /// <summary>D(real) at or above this counts as "D is sure real images are real".</summary>
    public double OverpowerRealMin { get; init; } = 0.9;
    /// <summary>D(fake) at or below this counts as "D is sure generated images are fake".</summary>
    public double OverpowerFakeMax { get; init; } = 0.1;
    /// <summary>Iterations (first to last snapshot) the condition must hold without a break.</summary>
    public long OverpowerWindow { get; init; } = 200;
    /// <summary>Snapshots the condition must hold on, at least (so one lucky log line is not enough).</summary>
    public int OverpowerMinSnapshots { get; init; } = 3;
    /// <summary>The episode ends when D(real) drops below this or D(fake) rises above <see cref="OverpowerClearFake"/>.</summary>
    public double OverpowerClearReal { get; init; } = 0.8;
    public double OverpowerClearFake { get; init; } = 0.2;

    // mode-collapse: generated MS-SSIM far above the real pairs'.
    /// <summary>
    /// Collapse when (gen - real) / (1 - real) reaches this, with gen and real the mean MS-SSIM of generated and real
    /// pairs: the share of the way from "as varied as the real pictures" (0) to "all the same picture" (1).
    /// </summary>
    public double CollapseExcess { get; init; } = 0.35;
    /// <summary>Consecutive evaluations at or above <see cref="CollapseExcess"/>.</summary>
    public int CollapseEvaluations { get; init; } = 2;
    /// <summary>The episode ends when the excess falls below this.</summary>
    public double CollapseClearExcess { get; init; } = 0.25;

    /// <summary>
    /// Collapse and memorisation are not judged before this iteration: a freshly initialised generator (and an EMA copy
    /// that has barely moved) draws near-identical blurs, which is not a collapse but a start.
    /// </summary>
    public long QualityWarmupIterations { get; init; } = 500;

    // divergence: NaN/inf, or a loss that explodes.
    /// <summary>A loss explodes when |loss| exceeds this many times its running median |loss|.</summary>
    public double ExplodeFactor { get; init; } = 10;
    /// <summary>The running median uses at least this scale, so near-zero losses do not make tiny values "explode".</summary>
    public double ExplodeMinScale { get; init; } = 1.0;
    /// <summary>Normal (non-exploding) snapshots the running median is taken over.</summary>
    public int ExplodeHistory { get; init; } = 50;
    /// <summary>Snapshots of history needed before explosions are judged (the first iterations move fast).</summary>
    public int ExplodeMinHistory { get; init; } = 20;
    /// <summary>Consecutive exploding snapshots before divergence is declared (one spike is tolerated).</summary>
    public int ExplodeConsecutive { get; init; } = 3;

    // memorisation: generated images are near copies of training images.
    /// <summary>Memorisation when the nearest-neighbour ratio is below this.</summary>
    public double MemorisationRatio { get; init; } = 0.5;
    /// <summary>The episode ends when the ratio is back at or above this.</summary>
    public double MemorisationClearRatio { get; init; } = 0.6;

    // The best checkpoint (see Training.BestCheckpoint): an evaluation whose samples copy the training set never counts
    // as best. Copying is the memorisation rule's MemorisationRatio on the mean, or this share of near copies.
    /// <summary>
    /// A checkpoint with more than this share of near copies (NnResult.CopyFraction: generated pictures closer to some
    /// training picture than half the training pictures' own nearest-neighbour distance) never counts as best. The mean
    /// ratio alone misses a generator that reproduces a few drawings outright while the rest are new; 0.1 leaves room for
    /// drawings that are near duplicates of each other in the training set, whose neighbourhood a healthy generator
    /// visits too. A design choice, not a measured figure.
    /// </summary>
    public double BestMaxCopyFraction { get; init; } = 0.1;

    // stalled: SWD has not beaten the best for a while.
    /// <summary>Evaluations after the best one that did not beat it, at least, before the run counts as stalled.</summary>
    public int StallEvaluations { get; init; } = 4;
    /// <summary>
    /// And the iterations since the best at least this share of the best's own iteration: a run that needed 3000
    /// iterations to reach its best gets 1500 more before it is called stalled, so early noise is not a plateau.
    /// </summary>
    public double StallShare { get; init; } = 0.5;

    // augmentation-leaking: adaptive p stuck high.
    /// <summary>p at or above this counts as high.</summary>
    public double AugmentHighP { get; init; } = 0.8;
    /// <summary>Iterations p must stay high without a break.</summary>
    public long AugmentWindow { get; init; } = 2000;
    /// <summary>Snapshots p must stay high on, at least.</summary>
    public int AugmentMinSnapshots { get; init; } = 3;
    /// <summary>The episode ends when p falls below this.</summary>
    public double AugmentClearP { get; init; } = 0.7;
}
