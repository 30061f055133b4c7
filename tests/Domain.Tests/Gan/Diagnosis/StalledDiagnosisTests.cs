using GanService.Domain.Gan.Diagnosis;
using GanService.Domain.Gan.Training;
using static GanService.Domain.Tests.Gan.Training.BestCheckpointTests;

namespace GanService.Domain.Tests.Gan.Diagnosis;

public class StalledDiagnosisTests
{
    /// <summary>Feeds the evaluations to a tracker and returns the stalled diagnoses, as the training loop would.</summary>
    private static List<GanDiagnosis> Diagnose(IEnumerable<EvaluationResult> evaluations, BestCheckpoint? tracker = null, DiagnosticsOptions? options = null)
    {
        tracker ??= new BestCheckpoint(options);
        var found = new List<GanDiagnosis>();
        foreach (var evaluation in evaluations)
        {
            tracker.Offer(evaluation);
            if (GanDiagnostics.Stalled(tracker, options) is { } diagnosis) found.Add(diagnosis);
        }
        return found;
    }

    [Fact]
    public void A_run_whose_best_was_iteration_3000_of_10000_is_told_so_once_and_to_stop_or_fork_from_it()
    {
        var found = Diagnose(PeaksAt3000());

        var stalled = Assert.Single(found);
        Assert.Equal(DiagnosisCodes.Stalled, stalled.Code);
        // Four evaluations without a better SWD (3500..5000) and 2000 iterations, more than half of 3000 again.
        Assert.Equal(5000, stalled.Iteration);
        Assert.Contains("iteration 3000 (SWD 24.0)", stalled.Message);
        Assert.Contains("the 4 evaluations since, over 2000 iterations", stalled.Message);
        Assert.Contains("use iteration 3000", stalled.Suggestion);
        Assert.Contains("fork from iteration 3000", stalled.Suggestion);
        Assert.Contains("\"best\"", stalled.Suggestion);
        Assert.Equal(new Dictionary<string, string> { ["best"] = "3000", ["swd"] = "24.0", ["evaluations"] = "4", ["span"] = "2000" }, stalled.Values);
        Assert.False(stalled.StopTraining);
    }

    [Fact]
    public void A_while_is_relative_to_how_long_the_best_took_to_reach()
    {
        // Best at 10,000, then no better for 12 evaluations: four of them are not enough until 15,000 (half again).
        var late = Enumerable.Range(1, 20).Select(i => Evaluation(i * 500L, 100 - i))
            .Concat(Enumerable.Range(21, 12).Select(i => Evaluation(i * 500L, 81 + i % 2)));

        Assert.Equal(15000, Assert.Single(Diagnose(late)).Iteration);
        Assert.Equal(12000, Assert.Single(Diagnose(late, options: new DiagnosticsOptions { StallShare = 0 })).Iteration);
        Assert.Equal(13000, Assert.Single(Diagnose(late, options: new DiagnosticsOptions { StallShare = 0, StallEvaluations = 6 })).Iteration);
    }

    [Fact]
    public void A_run_that_keeps_improving_is_never_stalled_and_a_new_best_ends_a_stall()
    {
        Assert.Empty(Diagnose(Enumerable.Range(1, 40).Select(i => Evaluation(i * 500L, 100.0 / i))));

        // Stalled after the best at 3000, then a new best at 8000 (SWD 20), then stalled again behind that one.
        var twice = PeaksAt3000().Take(15).Append(Evaluation(8000, 20.0))
            .Concat(Enumerable.Range(17, 12).Select(i => Evaluation(i * 500L, 21.0)));
        Assert.Equal([5000L, 12000], Diagnose(twice).Select(d => d.Iteration));
    }

    [Fact]
    public void A_copying_checkpoint_is_no_improvement_and_unmeasured_ones_do_not_count()
    {
        var copying = PeaksAt3000().Take(6)
            .Concat(Enumerable.Range(7, 4).Select(i => Evaluation(i * 500L, 10.0, nnRatio: 0.2, copyFraction: 0.9)));
        var stalled = Assert.Single(Diagnose(copying));
        Assert.Equal(5000, stalled.Iteration);
        Assert.Contains("iteration 3000", stalled.Message);

        var unmeasured = PeaksAt3000().Take(6).Concat(Enumerable.Range(7, 4).Select(i => Evaluation(i * 500L, double.NaN)));
        Assert.Empty(Diagnose(unmeasured));
    }

    [Fact]
    public void A_resumed_attempt_reports_a_stall_that_still_holds_once()
    {
        var resumed = new BestCheckpoint(best: new BestEvaluation(3000, 24.0, 0.105), evaluationsSinceBest: 5);

        var found = Diagnose([Evaluation(6000, 30), Evaluation(6500, 31), Evaluation(6500, 31)], resumed);

        Assert.Equal(6000, Assert.Single(found).Iteration);
        Assert.Contains("the 6 evaluations since, over 3000 iterations", found[0].Message);
    }
}
