using GanService.Domain.Gan.Diagnosis;
using static TorchSharp.torch;

namespace GanService.Domain.Tests.Gan.Diagnosis;

public class GanDiagnosticsTests
{
    /// <summary>
    /// A healthy run: logged every 10 iterations for 6000 iterations, losses wobbling around 0.7-1.4, D unsure,
    /// evaluations every 500 iterations with diversity near the real set's, novel images, augmentation p at 0.3-0.5.
    /// </summary>
    private static List<TrainingSnapshot> Healthy(long until = 6000, int seed = 1)
    {
        var random = new Random(seed);
        var history = new List<TrainingSnapshot>();
        for (long it = 10; it <= until; it += 10)
        {
            var evaluation = it % 500 == 0;
            history.Add(new TrainingSnapshot
            {
                Iteration = it,
                LossD = 1.2 + 0.3 * (random.NextDouble() - 0.5),
                LossG = 0.9 + 0.6 * (random.NextDouble() - 0.5),
                DReal = 0.65 + 0.2 * (random.NextDouble() - 0.5),
                DFake = 0.35 + 0.2 * (random.NextDouble() - 0.5),
                AugmentP = Math.Min(0.5, it / 10000.0),
                Swd = evaluation ? 40.0 - it / 500.0 : null,
                Diversity = evaluation ? 0.25 + 0.05 * random.NextDouble() : null,
                RealDiversity = evaluation ? 0.22 : null,
                NnRatio = evaluation ? 1.1 + 0.1 * random.NextDouble() : null,
            });
        }
        return history;
    }

    private static List<TrainingSnapshot> With(List<TrainingSnapshot> history, Func<TrainingSnapshot, TrainingSnapshot> change, long from, long to = long.MaxValue) =>
        history.Select(s => s.Iteration >= from && s.Iteration <= to ? change(s) : s).ToList();

    [Fact]
    public void A_healthy_run_gets_no_diagnosis()
    {
        for (var seed = 1; seed <= 3; seed++)
            Assert.Empty(GanDiagnostics.Analyze(Healthy(seed: seed)));
    }

    [Fact]
    public void D_overpowering_fires_once_after_a_sustained_window_and_again_only_after_it_cleared()
    {
        var overpowered = With(Healthy(), s => s with { DReal = 0.97, DFake = 0.03, LossG = 4.0, LossD = 0.05 }, 2000, 3000);
        var found = GanDiagnostics.Analyze(overpowered);
        var d = Assert.Single(found);
        Assert.Equal(DiagnosisCodes.DOverpowering, d.Code);
        Assert.Equal(2200, d.Iteration);
        Assert.Contains("since iteration 2000", d.Message);
        Assert.Contains("augmentation", d.Suggestion);
        Assert.False(d.StopTraining);

        var twice = With(overpowered, s => s with { DReal = 0.97, DFake = 0.03 }, 4000, 4500);
        Assert.Equal([2200L, 4200], GanDiagnostics.Analyze(twice).Select(x => x.Iteration));

        // A short burst (150 iterations) is not sustained.
        Assert.Empty(GanDiagnostics.Analyze(With(Healthy(), s => s with { DReal = 0.97, DFake = 0.03 }, 2000, 2150)));
    }

    [Fact]
    public void Mode_collapse_needs_two_evaluations_in_a_row()
    {
        var collapsed = With(Healthy(), s => s.Diversity is null ? s : s with { Diversity = 0.75 }, 3000);
        var d = Assert.Single(GanDiagnostics.Analyze(collapsed));
        Assert.Equal(DiagnosisCodes.ModeCollapse, d.Code);
        Assert.Equal(3500, d.Iteration);
        Assert.Contains("repetitive", d.Message);

        Assert.Empty(GanDiagnostics.Analyze(With(Healthy(), s => s.Diversity is null ? s : s with { Diversity = 0.75 }, 3000, 3000)));
    }

    [Fact]
    public void A_fresh_generator_is_not_called_collapsed_or_copying()
    {
        // Right after initialisation every sample is the same grey blur: evaluations at 30 (scheduled) and 30 again
        // (the final one) must not count as two collapsed evaluations, nor anything before the warm-up.
        TrainingSnapshot Early(long iteration) => new()
        {
            Iteration = iteration, Diversity = 0.95, RealDiversity = 0.04, NnRatio = 0.2,
        };
        Assert.Empty(GanDiagnostics.Analyze([Early(30), Early(30), Early(250), Early(499)]));

        // After the warm-up: copying is judged at once, collapse on the second evaluation at a new iteration.
        var diagnostics = new GanDiagnostics();
        Assert.Equal([DiagnosisCodes.Memorisation], diagnostics.Observe(Early(600)).Select(d => d.Code));
        Assert.Empty(diagnostics.Observe(Early(600)));
        Assert.Equal([DiagnosisCodes.ModeCollapse], diagnostics.Observe(Early(1100)).Select(d => d.Code));
    }

    [Fact]
    public void Non_finite_losses_stop_training_at_once_and_fire_once()
    {
        var broken = With(Healthy(), s => s with { LossG = double.NaN }, 4000);
        var d = Assert.Single(GanDiagnostics.Analyze(broken));
        Assert.Equal(DiagnosisCodes.Divergence, d.Code);
        Assert.Equal(4000, d.Iteration);
        Assert.True(d.StopTraining);
        Assert.Contains("must stop", d.Message);
        Assert.Contains("last good checkpoint", d.Message);

        var flagged = With(Healthy(), s => s with { NonFinite = true }, 100, 100);
        Assert.Equal(DiagnosisCodes.Divergence, Assert.Single(GanDiagnostics.Analyze(flagged)).Code);
    }

    [Fact]
    public void Exploding_loss_is_divergence_but_a_single_spike_is_not()
    {
        var exploded = With(Healthy(), s => s with { LossD = 80 }, 3000);
        var d = Assert.Single(GanDiagnostics.Analyze(exploded));
        Assert.Equal(DiagnosisCodes.Divergence, d.Code);
        Assert.Equal(3020, d.Iteration);
        Assert.Contains("discriminator loss jumped to 80", d.Message);

        Assert.Empty(GanDiagnostics.Analyze(With(Healthy(), s => s with { LossD = 80 }, 3000, 3010)));
    }

    [Fact]
    public void Memorisation_fires_below_the_ratio_and_re_fires_only_after_recovery()
    {
        var copying = With(Healthy(), s => s.NnRatio is null ? s : s with { NnRatio = 0.3 }, 2500, 3000);
        copying = With(copying, s => s.NnRatio is null ? s : s with { NnRatio = 0.55 }, 3500, 3500);
        var d = Assert.Single(GanDiagnostics.Analyze(copying));
        Assert.Equal(DiagnosisCodes.Memorisation, d.Code);
        Assert.Equal(2500, d.Iteration);
        Assert.Contains("copying", d.Message);

        var again = With(copying, s => s.NnRatio is null ? s : s with { NnRatio = 0.3 }, 5000, 5000);
        Assert.Equal([2500L, 5000], GanDiagnostics.Analyze(again).Select(x => x.Iteration));
    }

    [Fact]
    public void Augmentation_stuck_high_fires_after_a_long_window()
    {
        var stuck = With(Healthy(), s => s with { AugmentP = 0.85 }, 2000, 4500);
        var d = Assert.Single(GanDiagnostics.Analyze(stuck));
        Assert.Equal(DiagnosisCodes.AugmentationLeaking, d.Code);
        Assert.Equal(4000, d.Iteration);
        Assert.Contains("leak", d.Message);

        Assert.Empty(GanDiagnostics.Analyze(With(Healthy(), s => s with { AugmentP = 0.85 }, 2000, 3000)));
    }

    [Fact]
    public void Every_rule_fires_on_one_failing_history_in_order_and_observe_reports_incrementally()
    {
        var history = Healthy();
        history = With(history, s => s with { AugmentP = 0.9 }, 300);
        history = With(history, s => s with { DReal = 0.99, DFake = 0.01 }, 1000);
        history = With(history, s => s.Diversity is null ? s : s with { Diversity = 0.8 }, 1500);
        history = With(history, s => s.NnRatio is null ? s : s with { NnRatio = 0.2 }, 2500);
        history = With(history, s => s with { LossD = double.PositiveInfinity }, 5000);

        var diagnostics = new GanDiagnostics();
        var found = new List<GanDiagnosis>();
        foreach (var s in history)
            found.AddRange(diagnostics.Observe(s));
        Assert.Equal(
            [DiagnosisCodes.DOverpowering, DiagnosisCodes.ModeCollapse, DiagnosisCodes.AugmentationLeaking, DiagnosisCodes.Memorisation, DiagnosisCodes.Divergence],
            found.Select(d => d.Code));
        Assert.All(found, d => Assert.False(string.IsNullOrWhiteSpace(d.Suggestion)));
        // Each quotes its figures by name too (the studio's Japanese says them in its own words), as the message does.
        string[][] figures = [["since", "real", "fake"], ["generated", "real", "evaluations"], ["since", "high", "p"], ["ratio"], []];
        for (var i = 0; i < found.Count; i++)
        {
            Assert.Equal(figures[i], (found[i].Values?.Keys ?? []).ToArray());
            Assert.All(found[i].Values?.Values ?? [], value => Assert.Contains(value, found[i].Message, StringComparison.Ordinal));
        }
        Assert.True(diagnostics.IsActive(DiagnosisCodes.Divergence));
        Assert.Equal(found, GanDiagnostics.Analyze(history));
    }

    [Fact]
    public void Resuming_from_a_checkpoint_starts_the_rules_afresh()
    {
        var overpowered = With(Healthy(3000), s => s with { DReal = 0.97, DFake = 0.03 }, 1000);
        // Resume after iteration 1500: still overpowered, so it is reported again 200 iterations into the new segment.
        var resumed = overpowered.Concat(overpowered.Where(s => s.Iteration > 1500)).ToList();
        Assert.Equal([1200L, 1710], GanDiagnostics.Analyze(resumed).Select(d => d.Iteration));
    }

    [Fact]
    public void Discriminator_confidence_reads_logits_and_critic_scores()
    {
        using var scope = NewDisposeScope();
        var (real, fake) = DiscriminatorConfidence.FromOutputs(tensor(new float[] { 0, 0 }), tensor(new float[] { 0, 0 }));
        Assert.Equal((0.5, 0.5), (real, fake));
        (real, fake) = DiscriminatorConfidence.FromOutputs(tensor(new float[] { 5, 4 }), tensor(new float[] { -6, -5 }));
        Assert.True(real > 0.98 && fake < 0.01);
        (real, fake) = DiscriminatorConfidence.FromOutputs(
            tensor(new float[] { 103, 104, 99 }), tensor(new float[] { 98, 100, 97 }), DiscriminatorOutput.Critic);
        // Midpoint of the means (102 and 98.33): 100.17. Real above it: 2 of 3; fake above it: none.
        Assert.Equal(2.0 / 3, real, 12);
        Assert.Equal(0.0, fake, 12);
    }
}
