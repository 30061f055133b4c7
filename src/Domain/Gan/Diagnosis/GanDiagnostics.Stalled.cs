using GanService.Domain.Gan.Training;

namespace GanService.Domain.Gan.Diagnosis;

public sealed partial class GanDiagnostics
{
    /// <summary>
    /// The "stalled" rule, read after each <see cref="BestCheckpoint.Offer"/>: SWD has not beaten the best for at least
    /// <see cref="DiagnosticsOptions.StallEvaluations"/> evaluations and <see cref="DiagnosticsOptions.StallShare"/> x the
    /// best's iteration. Returns the diagnosis on the evaluation where that first holds for the current best, else null;
    /// a new best ends the episode, so it can fire again for a later best. It lives on the tracker rather than on
    /// <see cref="Observe"/> because the tracker is the one owner of "best" (the copy guard included) and is seeded from
    /// the run row on resume; a tracker seeded that way has no previous evaluation, so a resumed attempt (whose list of
    /// diagnoses starts afresh) reports a stall that still holds once more.
    /// </summary>
    public static GanDiagnosis? Stalled(BestCheckpoint tracker, DiagnosticsOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tracker);
        var o = options ?? DiagnosticsOptions.Default;
        if (tracker.Best is not { } best || tracker.LastIteration is not { } now || tracker.LastVerdict is not (BestVerdict.NotBetter or BestVerdict.Copying))
            return null;
        bool Holds(int evaluations, long? iteration) =>
            iteration is { } at && evaluations >= o.StallEvaluations && at - best.Iteration >= o.StallShare * best.Iteration;
        if (!Holds(tracker.EvaluationsSinceBest, now) || Holds(tracker.EvaluationsSinceBest - 1, tracker.PreviousIteration))
            return null;
        return new GanDiagnosis(
            DiagnosisCodes.Stalled,
            now,
            Inv($"The samples have stopped getting better: the best so far are from iteration {best.Iteration} (SWD {best.Swd:F1}), and the {tracker.EvaluationsSinceBest} evaluations since, over {now - best.Iteration} iterations, have not beaten them. GANs trained on few pictures often peak well before the planned end and then slowly get worse, up to a collapse, so more of the same training is unlikely to help."),
            Inv($"Stop here and use iteration {best.Iteration}: cancel the run, and generate, interpolate and export then use its best checkpoint by default (or pass \"iteration\": \"best\"). To try for better, fork from iteration {best.Iteration} with lower learning rates, stronger augmentation or more training pictures."),
            Values: Figures(("best", best.Iteration), ("swd", best.Swd.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)), ("evaluations", tracker.EvaluationsSinceBest), ("span", now - best.Iteration)));
    }
}
