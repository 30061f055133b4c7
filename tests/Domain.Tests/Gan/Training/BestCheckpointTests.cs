using GanService.Domain.Gan.Diagnosis;
using GanService.Domain.Gan.Training;

namespace GanService.Domain.Tests.Gan.Training;

public class BestCheckpointTests
{
    /// <summary>
    /// A 10,000-iteration run evaluated every 500 iterations, shaped like our first user's: SWD falls to its lowest at
    /// 3000 (24.0), then wobbles and drifts up as the generator slowly degrades; novel samples throughout.
    /// </summary>
    internal static List<EvaluationResult> PeaksAt3000()
    {
        double[] swd = [80, 61, 48, 37, 30, 24.0, 25.1, 24.6, 27.3, 26.0, 28.8, 27.5, 30.2, 29.4, 31.0, 33.5, 32.1, 35.0, 36.2, 37.0];
        return swd.Select((value, i) => Evaluation((i + 1) * 500L, value, diversity: (100 + i) / 1000.0)).ToList();
    }

    internal static EvaluationResult Evaluation(long iteration, double swd, double diversity = 0.1, double nnRatio = 1.1, double copyFraction = 0.0) =>
        new(iteration, swd, SwdRealFloor: 22.7, diversity, RealDiversity: 0.036, nnRatio, copyFraction);

    [Fact]
    public void The_lowest_swd_of_a_history_is_the_best_and_each_running_minimum_was_a_new_best()
    {
        var tracker = new BestCheckpoint();

        var verdicts = PeaksAt3000().Select(tracker.Offer).ToList();

        Assert.Equal(new BestEvaluation(3000, 24.0, 0.105), tracker.Best);
        Assert.Equal([500L, 1000, 1500, 2000, 2500, 3000],
            PeaksAt3000().Where((_, i) => verdicts[i] == BestVerdict.NewBest).Select(e => e.Iteration));
        Assert.Equal(14, tracker.EvaluationsSinceBest); // 3500 (25.1) and 4000 (24.6) came close, but not lower
    }

    [Fact]
    public void A_checkpoint_that_copies_the_training_set_never_counts_as_best_however_low_its_swd()
    {
        var tracker = new BestCheckpoint();
        foreach (var evaluation in PeaksAt3000().Take(6)) tracker.Offer(evaluation); // best: 3000, SWD 24.0

        // At 3500 the generator reproduces its training drawings: the lowest SWD of the run, and a ratio of 0.3.
        Assert.Equal(BestVerdict.Copying, tracker.Offer(Evaluation(3500, 23.0, nnRatio: 0.3, copyFraction: 0.6)));
        // The mean ratio looks fine, but a fifth of the samples are near copies.
        Assert.Equal(BestVerdict.Copying, tracker.Offer(Evaluation(4000, 22.9, nnRatio: 1.0, copyFraction: 0.2)));

        Assert.Equal(3000, tracker.Best!.Iteration);
        Assert.Equal(2, tracker.EvaluationsSinceBest);
        // At the thresholds themselves (ratio 0.5, a tenth near copies) a checkpoint is not refused.
        Assert.Equal(BestVerdict.NewBest, tracker.Offer(Evaluation(4500, 23.5, nnRatio: 0.5, copyFraction: 0.1)));
        Assert.Equal(4500, tracker.Best!.Iteration);
    }

    [Fact]
    public void The_guard_uses_the_memorisation_threshold_of_the_options()
    {
        var strict = new DiagnosticsOptions { MemorisationRatio = 0.9, BestMaxCopyFraction = 0.0 };

        Assert.True(BestCheckpoint.IsCopying(Evaluation(500, 30, nnRatio: 0.8), strict));
        Assert.True(BestCheckpoint.IsCopying(Evaluation(500, 30, copyFraction: 0.01), strict));
        Assert.False(BestCheckpoint.IsCopying(Evaluation(500, 30, nnRatio: 0.8, copyFraction: 0.01)));
        // Fewer than two training images: the figures are NaN, which cannot refuse.
        Assert.False(BestCheckpoint.IsCopying(Evaluation(500, 30, nnRatio: double.NaN, copyFraction: double.NaN)));
    }

    [Fact]
    public void A_repeated_or_unmeasured_evaluation_is_not_counted()
    {
        var tracker = new BestCheckpoint();
        Assert.Equal(BestVerdict.NewBest, tracker.Offer(Evaluation(1000, 40)));
        Assert.Equal(BestVerdict.NotBetter, tracker.Offer(Evaluation(1500, 41)));

        // The final evaluation right after the scheduled one at the same iteration, and a NaN SWD.
        Assert.Equal(BestVerdict.Repeated, tracker.Offer(Evaluation(1500, 41)));
        Assert.Equal(BestVerdict.NotMeasured, tracker.Offer(Evaluation(2000, double.NaN)));

        Assert.Equal(1, tracker.EvaluationsSinceBest);
        Assert.Equal(1500, tracker.LastIteration);
        Assert.Equal(1000, tracker.PreviousIteration);
    }

    [Fact]
    public void A_resumed_tracker_compares_with_the_best_it_was_given()
    {
        var tracker = new BestCheckpoint(best: new BestEvaluation(3000, 24.0, 0.105), evaluationsSinceBest: 2);

        Assert.Equal(BestVerdict.NotBetter, tracker.Offer(Evaluation(4500, 24.0)));
        Assert.Equal(3, tracker.EvaluationsSinceBest);
        Assert.Equal(BestVerdict.NewBest, tracker.Offer(Evaluation(5000, 23.9)));
        Assert.Equal((5000L, 0), (tracker.Best!.Iteration, tracker.EvaluationsSinceBest));
    }
}
