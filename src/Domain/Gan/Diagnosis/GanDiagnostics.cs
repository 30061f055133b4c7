using System.Globalization;
namespace GanService.Domain.Gan.Diagnosis;

/// <summary>
/// Reads a training history and reports problems in plain words. Feed snapshots in order with <see cref="Observe"/>
/// (the trainer does this as it logs) or run <see cref="Analyze"/> over a whole history. Each rule reports once when its
/// problem begins; it can report again only after the problem has cleared (see <see cref="DiagnosticsOptions"/>).
/// An iteration lower than the previous one (training resumed from a checkpoint) starts every rule afresh.
/// <list type="table">
/// <item><term>d-overpowering</term><description>D(real) &gt;= 0.9 and D(fake) &lt;= 0.1 on every snapshot for 200+
/// iterations (3+ snapshots); clears when D(real) &lt; 0.8 or D(fake) &gt; 0.2.</description></item>
/// <item><term>mode-collapse</term><description>(gen - real) / (1 - real) &gt;= 0.35 for the mean MS-SSIM of generated
/// and real pairs, on 2 evaluations in a row; clears below 0.25.</description></item>
/// <item><term>divergence</term><description>a NaN/infinite loss or the NonFinite flag (at once), or |loss| &gt; 10x
/// max(running median |loss| of the last 50 normal snapshots, 1.0) on 3 snapshots in a row, after 20 snapshots of
/// history. Says that training must stop (<see cref="GanDiagnosis.StopTraining"/>).</description></item>
/// <item><term>memorisation</term><description>nearest-neighbour ratio &lt; 0.5; clears at 0.6.</description></item>
/// <item><term>augmentation-leaking</term><description>adaptive p &gt;= 0.8 on every snapshot for 2000+ iterations
/// (3+ snapshots); clears below 0.7.</description></item>
/// <item><term>stalled</term><description>read from the run's <see cref="Training.BestCheckpoint"/> by
/// <see cref="Stalled"/>, not by <see cref="Observe"/>: no better SWD for 4+ evaluations and half the best's iteration
/// again; a new best ends it.</description></item>
/// </list>
/// </summary>
public sealed partial class GanDiagnostics
{
    private readonly DiagnosticsOptions _o;
    private long? _lastIteration;

    private Sustained _overpower = new();
    private Sustained _augment = new();
    private bool _collapseActive;
    private int _collapseRun;
    private long? _lastCollapseIteration;
    private bool _divergenceActive;
    private int _explodeRun;
    private readonly Queue<double> _lossDHistory = new();
    private readonly Queue<double> _lossGHistory = new();
    private bool _memorisationActive;

    public GanDiagnostics(DiagnosticsOptions? options = null) => _o = options ?? DiagnosticsOptions.Default;

    /// <summary>All findings of a history, in order.</summary>
    public static IReadOnlyList<GanDiagnosis> Analyze(IEnumerable<TrainingSnapshot> history, DiagnosticsOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        var diagnostics = new GanDiagnostics(options);
        var found = new List<GanDiagnosis>();
        foreach (var snapshot in history)
            found.AddRange(diagnostics.Observe(snapshot));
        return found;
    }

    /// <summary>True while the problem with this code is going on (after it was reported and before it cleared); the rules of <see cref="Observe"/> only.</summary>
    public bool IsActive(string code) => code switch
    {
        DiagnosisCodes.DOverpowering => _overpower.Active,
        DiagnosisCodes.ModeCollapse => _collapseActive,
        DiagnosisCodes.Divergence => _divergenceActive,
        DiagnosisCodes.Memorisation => _memorisationActive,
        DiagnosisCodes.AugmentationLeaking => _augment.Active,
        _ => throw new ArgumentException($"Unknown diagnosis code '{code}'.", nameof(code)),
    };

    /// <summary>Takes the next snapshot; returns what it newly reveals (usually nothing).</summary>
    public IReadOnlyList<GanDiagnosis> Observe(TrainingSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (_lastIteration is { } last && snapshot.Iteration < last)
            Reset();
        _lastIteration = snapshot.Iteration;

        var found = new List<GanDiagnosis>(0);
        CheckDivergence(snapshot, found);
        CheckOverpowering(snapshot, found);
        CheckCollapse(snapshot, found);
        CheckMemorisation(snapshot, found);
        CheckAugmentation(snapshot, found);
        return found;
    }

    private void Reset()
    {
        _overpower = new Sustained();
        _augment = new Sustained();
        _collapseActive = false;
        _collapseRun = 0;
        _lastCollapseIteration = null;
        _divergenceActive = false;
        _explodeRun = 0;
        _lossDHistory.Clear();
        _lossGHistory.Clear();
        _memorisationActive = false;
    }

    private void CheckDivergence(TrainingSnapshot s, List<GanDiagnosis> found)
    {
        var nonFinite = new List<string>();
        if (s.LossD is { } ld && !double.IsFinite(ld))
            nonFinite.Add("discriminator loss");
        if (s.LossG is { } lg && !double.IsFinite(lg))
            nonFinite.Add("generator loss");
        if ((s.DReal is { } dr && !double.IsFinite(dr)) || (s.DFake is { } df && !double.IsFinite(df)))
            nonFinite.Add("discriminator output");
        if (s.NonFinite && nonFinite.Count == 0)
            nonFinite.Add("training numbers (losses or gradients)");
        if (nonFinite.Count > 0)
        {
            _explodeRun = 0;
            if (!_divergenceActive)
            {
                _divergenceActive = true;
                found.Add(Divergence(s.Iteration, Inv($"the {string.Join(" and the ", nonFinite)} became NaN or infinite (not a number any more), so the networks' weights can no longer be trusted")));
            }
            return;
        }

        var explosions = new List<string>();
        Explodes(s.LossD, _lossDHistory, "discriminator loss", explosions);
        Explodes(s.LossG, _lossGHistory, "generator loss", explosions);
        if (explosions.Count > 0)
        {
            _explodeRun++;
            if (_explodeRun >= _o.ExplodeConsecutive && !_divergenceActive)
            {
                _divergenceActive = true;
                found.Add(Divergence(s.Iteration, Inv($"the {string.Join(" and the ", explosions)}, {_explodeRun} log points in a row")));
            }
            return;
        }

        _explodeRun = 0;
        _divergenceActive = false;
        Remember(s.LossD, _lossDHistory);
        Remember(s.LossG, _lossGHistory);
    }

    private void Explodes(double? loss, Queue<double> history, string name, List<string> explosions)
    {
        if (loss is not { } value || history.Count < _o.ExplodeMinHistory)
            return;
        var median = Median(history);
        var scale = Math.Max(median, _o.ExplodeMinScale);
        if (Math.Abs(value) > _o.ExplodeFactor * scale)
            explosions.Add(Inv($"{name} jumped to {value:G3}, more than {_o.ExplodeFactor:G3} times its usual size ({median:G3})"));
    }

    private void Remember(double? loss, Queue<double> history)
    {
        if (loss is not { } value)
            return;
        history.Enqueue(Math.Abs(value));
        while (history.Count > _o.ExplodeHistory)
            history.Dequeue();
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static GanDiagnosis Divergence(long iteration, string what) => new(
        DiagnosisCodes.Divergence,
        iteration,
        Inv($"Training has broken down at iteration {iteration}: {what}. Training must stop here. The last good checkpoint, saved before this point, is kept; nothing after it is used."),
        "Restart from the last good checkpoint with lower learning rates (for example half of the current ones), keep the gradient penalty or spectral normalisation on, and check the training pictures for broken, blank or extreme images.",
        StopTraining: true);

    private void CheckOverpowering(TrainingSnapshot s, List<GanDiagnosis> found)
    {
        if (s.DReal is not { } real || s.DFake is not { } fake || !double.IsFinite(real) || !double.IsFinite(fake))
            return;
        var holds = real >= _o.OverpowerRealMin && fake <= _o.OverpowerFakeMax;
        var clears = real < _o.OverpowerClearReal || fake > _o.OverpowerClearFake;
        if (_overpower.Step(s.Iteration, holds, clears, _o.OverpowerWindow, _o.OverpowerMinSnapshots) is { } since)
            found.Add(new GanDiagnosis(
                DiagnosisCodes.DOverpowering,
                s.Iteration,
                Inv($"The discriminator (the critic that tells real pictures from generated ones) has been winning too easily since iteration {since}: it is {real:P0} sure that real pictures are real and gives the generated ones only {fake:P0}. When the critic is this certain, its feedback becomes too weak for the generator to learn from, so the pictures stop improving or get worse."),
                "Make the critic's job harder or slow it down: turn on augmentation (DiffAugment, or adaptive augmentation ADA), lower the discriminator's learning rate (for example halve it), use spectral normalisation in the discriminator, or add instance noise. With few training pictures (under about 1,000), augmentation usually helps most.",
                Values: Figures(("since", since), ("real", real.ToString("P0", CultureInfo.InvariantCulture)), ("fake", fake.ToString("P0", CultureInfo.InvariantCulture)))));
    }

    private void CheckCollapse(TrainingSnapshot s, List<GanDiagnosis> found)
    {
        if (s.Diversity is not { } gen || s.RealDiversity is not { } real || !double.IsFinite(gen) || !double.IsFinite(real) || real >= 1)
            return;
        // A second evaluation at the same iteration (e.g. the final one right after a scheduled one) is not a new one.
        if (s.Iteration < _o.QualityWarmupIterations || s.Iteration == _lastCollapseIteration)
            return;
        _lastCollapseIteration = s.Iteration;
        var excess = (gen - real) / (1 - real);
        if (_collapseActive)
        {
            if (excess < _o.CollapseClearExcess)
            {
                _collapseActive = false;
                _collapseRun = 0;
            }
            return;
        }
        _collapseRun = excess >= _o.CollapseExcess ? _collapseRun + 1 : 0;
        if (_collapseRun < _o.CollapseEvaluations)
            return;
        _collapseActive = true;
        found.Add(new GanDiagnosis(
            DiagnosisCodes.ModeCollapse,
            s.Iteration,
            Inv($"The generator has become repetitive: its pictures look far more alike than your training pictures do (similarity {gen:F2} between pairs of generated pictures against {real:F2} between pairs of training pictures, where 1 means identical), for {_collapseRun} evaluations in a row. It has found a few pictures that fool the discriminator and keeps making small variations of them (mode collapse)."),
            "Go back to an earlier checkpoint whose samples were still varied, then lower the learning rates, turn on augmentation or spectral normalisation, or use a larger batch. A minibatch standard-deviation layer in the discriminator also counters this.",
                Values: Figures(("generated", gen.ToString("F2", CultureInfo.InvariantCulture)), ("real", real.ToString("F2", CultureInfo.InvariantCulture)), ("evaluations", _collapseRun))));
    }

    private void CheckMemorisation(TrainingSnapshot s, List<GanDiagnosis> found)
    {
        if (s.NnRatio is not { } ratio || !double.IsFinite(ratio) || s.Iteration < _o.QualityWarmupIterations)
            return;
        if (_memorisationActive)
        {
            if (ratio >= _o.MemorisationClearRatio)
                _memorisationActive = false;
            return;
        }
        if (ratio >= _o.MemorisationRatio)
            return;
        _memorisationActive = true;
        found.Add(new GanDiagnosis(
            DiagnosisCodes.Memorisation,
            s.Iteration,
            Inv($"The generator is copying your training pictures instead of inventing new ones: a generated picture is on average only {ratio:F2} times as far from its closest training picture as training pictures are from each other (about 1 or more is normal; well below 1 means near copies)."),
            "Use an earlier checkpoint from before the copying began, add more (or more varied) training pictures, turn on augmentation, or train for fewer iterations. Look at generated pictures next to their closest training pictures to confirm.",
                Values: Figures(("ratio", ratio.ToString("F2", CultureInfo.InvariantCulture)))));
    }

    private void CheckAugmentation(TrainingSnapshot s, List<GanDiagnosis> found)
    {
        if (s.AugmentP is not { } p || !double.IsFinite(p))
            return;
        if (_augment.Step(s.Iteration, p >= _o.AugmentHighP, p < _o.AugmentClearP, _o.AugmentWindow, _o.AugmentMinSnapshots) is { } since)
            found.Add(new GanDiagnosis(
                DiagnosisCodes.AugmentationLeaking,
                s.Iteration,
                Inv($"Augmentation has been close to full strength for a long time: its probability has stayed at {_o.AugmentHighP:F2} or more since iteration {since} (now {p:F2}). At this strength the distortions used to protect the discriminator (rotations, colour shifts, cut-outs) can leak into the generated pictures, which then come out rotated, discoloured or cut."),
                "The discriminator keeps overfitting despite augmentation: add more training pictures, cap the augmentation probability (for example at 0.6), or use only augmentations that cannot leak (DiffAugment translation and colour), and check the samples for such distortions.",
                Values: Figures(("since", since), ("high", _o.AugmentHighP.ToString("F2", CultureInfo.InvariantCulture)), ("p", p.ToString("F2", CultureInfo.InvariantCulture)))));
    }

    private static string Inv(FormattableString s) => FormattableString.Invariant(s);

    /// <summary>A diagnosis's figures by name, as its message quotes them.</summary>
    internal static IReadOnlyDictionary<string, string> Figures(params (string Name, object Value)[] figures) =>
        figures.ToDictionary(f => f.Name, f => Convert.ToString(f.Value, CultureInfo.InvariantCulture) ?? "");

    /// <summary>A condition that must hold on every snapshot over a window of iterations; reports its start once.</summary>
    private sealed class Sustained
    {
        private long? _since;
        private int _count;

        public bool Active { get; private set; }

        /// <summary>Returns the iteration the condition began at when it has just become sustained, else null.</summary>
        public long? Step(long iteration, bool holds, bool clears, long window, int minSnapshots)
        {
            if (Active)
            {
                if (clears)
                {
                    Active = false;
                    _since = null;
                    _count = 0;
                }
                return null;
            }
            if (!holds)
            {
                _since = null;
                _count = 0;
                return null;
            }
            _since ??= iteration;
            _count++;
            if (iteration - _since.Value < window || _count < minSnapshots)
                return null;
            Active = true;
            return _since;
        }
    }
}
