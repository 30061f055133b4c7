using GanService.Domain.Gan;
using GanService.Domain.Gan.Training;
using GanService.Domain.Tests.Gan.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Domain.Tests.Gan.FewShot;

[Collection(TorchCollection.Name)]
public class FewShotTrainingTests
{
    private static readonly GanConfig Tiny = FewShotModelTests.Narrow(32, width: 4) with
    {
        BatchSize = 4, Iterations = 100, Seed = 5, Threads = 1, LrG = 2e-3, LrD = 2e-3, EmaDecay = 0.9,
    };

    private static readonly GanTrainerOptions Options = new() { LogEvery = 2, EvaluationSamples = 16, DiversityPairs = 8, FixedSamples = 4 };

    [Fact]
    public void A_few_steps_give_finite_losses_and_samples_in_range()
    {
        using var data = GanTrainerTests.Data(12, 32);
        using var trainer = new GanTrainer(Tiny, data, options: Options);
        trainer.Train(6);
        var p = trainer.LatestProgress!;
        Assert.True(double.IsFinite(p.LossD) && double.IsFinite(p.LossG), $"{p}");
        Assert.Equal(0, trainer.SkippedSteps);
        using var samples = trainer.SampleFixed();
        Assert.Equal(new long[] { 4, 1, 32, 32 }, samples.shape);
        Assert.True(samples.abs().max().ToSingle() <= 1f);
        var e = trainer.Evaluate();
        Assert.True(double.IsFinite(e.Swd));
    }

    [Fact]
    public void Resume_is_bit_exact_for_the_fastgan_family()
    {
        using var data = GanTrainerTests.Data(12, 32);
        using var straight = new GanTrainer(Tiny, data, options: Options);
        straight.Train(6);

        using var ms = new MemoryStream();
        using (var first = new GanTrainer(Tiny, data, options: Options))
        {
            first.Train(3); // mid log interval
            first.SaveCheckpoint(ms);
        }
        manual_seed(999); // the noise layers draw from the trainer's checkpointed generator, not this one
        ms.Position = 0;
        using var resumed = GanTrainer.Resume(ms, data, options: Options);
        resumed.Train(3);

        Assert.Equal(6, resumed.Iteration);
        Assert.True(GanTrainerTests.SameState(straight.Generator.Module, resumed.Generator.Module), "G");
        Assert.True(GanTrainerTests.SameState(straight.Discriminator.Module, resumed.Discriminator.Module), "D");
        Assert.True(GanTrainerTests.SameState(straight.EmaGenerator!.Module, resumed.EmaGenerator!.Module), "G_ema");
        Assert.Equal(straight.LatestProgress, resumed.LatestProgress);
    }
}
