using GanService.Domain.Gan.Diagnosis;

namespace GanService.Domain.Gan.Training;

/// <summary>The best evaluation of a run so far: the checkpoint a finished run generates from.</summary>
public sealed record BestEvaluation(long Iteration, double Swd, double Diversity);

/// <summary>What <see cref="BestCheckpoint.Offer"/> made of an evaluation.</summary>
public enum BestVerdict
{
    /// <summary>The first usable evaluation, or a lower SWD than the best so far: the new best.</summary>
    NewBest,
    /// <summary>Usable, but its SWD is not lower than the best's.</summary>
    NotBetter,
    /// <summary>Its samples copy the training set (the nearest-neighbour guard): never the best, whatever its SWD.</summary>
    Copying,
    /// <summary>SWD is NaN or infinite: there is nothing to compare.</summary>
    NotMeasured,
    /// <summary>The same iteration as the previous evaluation (the final one right after a scheduled one): already judged.</summary>
    Repeated,
}

/// <summary>
/// Picks a run's best checkpoint from its evaluations, in order: the lowest SWD (x 1e3, lower = closer to the training
/// set's distribution), among evaluations whose samples do not copy the training set. Copying is what the
/// memorisation diagnosis calls copying, nearest-neighbour ratio below <see cref="DiagnosticsOptions.MemorisationRatio"/>
/// (0.5), or more than <see cref="DiagnosticsOptions.BestMaxCopyFraction"/> (10%) of the samples near copies: a generator
/// that reproduces its training drawings gets a low SWD precisely because it copies, so SWD alone would crown it.
/// A nearest-neighbour figure that could not be measured (NaN: fewer than two training images) does not refuse.
/// <para>
/// Pure and in memory: the training loop feeds it each evaluation, writes a checkpoint when it says
/// <see cref="BestVerdict.NewBest"/>, and seeds a resumed attempt from the run row (see
/// <c>Jobs.BestCheckpointStore</c>). <see cref="GanDiagnostics.Stalled"/> reads it for the "stalled" diagnosis.
/// </para>
/// </summary>
public sealed class BestCheckpoint
{
    private readonly DiagnosticsOptions _options;

    /// <param name="options">The copy guard's thresholds; null = the defaults.</param>
    /// <param name="best">The best so far, when resuming a run.</param>
    /// <param name="evaluationsSinceBest">Evaluations after <paramref name="best"/> that did not beat it, when resuming.</param>
    public BestCheckpoint(DiagnosticsOptions? options = null, BestEvaluation? best = null, int evaluationsSinceBest = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(evaluationsSinceBest);
        _options = options ?? DiagnosticsOptions.Default;
        Best = best;
        EvaluationsSinceBest = best is null ? 0 : evaluationsSinceBest;
    }

    /// <summary>The best evaluation so far; null until the first usable one.</summary>
    public BestEvaluation? Best { get; private set; }

    /// <summary>Counted evaluations (not <see cref="BestVerdict.NotMeasured"/> or <see cref="BestVerdict.Repeated"/>) since <see cref="Best"/>.</summary>
    public int EvaluationsSinceBest { get; private set; }

    /// <summary>The iteration of the latest counted evaluation.</summary>
    public long? LastIteration { get; private set; }

    /// <summary>The iteration of the counted evaluation before <see cref="LastIteration"/> (null before the second, or after a resume).</summary>
    public long? PreviousIteration { get; private set; }

    /// <summary>The verdict on the latest offer.</summary>
    public BestVerdict? LastVerdict { get; private set; }

    /// <summary>Takes the next evaluation; says whether it is the new best (then <see cref="Best"/> is it).</summary>
    public BestVerdict Offer(EvaluationResult evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        LastVerdict = Judge(evaluation);
        if (LastVerdict is BestVerdict.Repeated or BestVerdict.NotMeasured)
            return LastVerdict.Value;
        (PreviousIteration, LastIteration) = (LastIteration, evaluation.Iteration);
        if (LastVerdict == BestVerdict.NewBest)
        {
            Best = new BestEvaluation(evaluation.Iteration, evaluation.Swd, evaluation.Diversity);
            EvaluationsSinceBest = 0;
        }
        else if (Best is not null)
            EvaluationsSinceBest++;
        return LastVerdict.Value;
    }

    private BestVerdict Judge(EvaluationResult e)
    {
        if (e.Iteration == LastIteration) return BestVerdict.Repeated;
        if (!double.IsFinite(e.Swd)) return BestVerdict.NotMeasured;
        if (IsCopying(e, _options)) return BestVerdict.Copying;
        return Best is null || e.Swd < Best.Swd ? BestVerdict.NewBest : BestVerdict.NotBetter;
    }

    /// <summary>The nearest-neighbour guard: true when the evaluation's samples copy the training set.</summary>
    public static bool IsCopying(EvaluationResult evaluation, DiagnosticsOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        options ??= DiagnosticsOptions.Default;
        // NaN compares false: an unmeasured figure does not refuse.
        return evaluation.NnRatio < options.MemorisationRatio || evaluation.NnCopyFraction > options.BestMaxCopyFraction;
    }
}
