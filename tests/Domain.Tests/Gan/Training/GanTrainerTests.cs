using GanService.Domain.Gan;
using GanService.Domain.Gan.Data;
using GanService.Domain.Gan.Diagnosis;
using GanService.Domain.Gan.Generation;
using GanService.Domain.Gan.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Domain.Tests.Gan.Training;

[Collection(TorchCollection.Name)]
public class GanTrainerTests
{
    private static readonly GanConfig Tiny = GanPresets.SmallDataConfig with
    {
        Resolution = 16, BatchSize = 8, LatentDim = 16, GeneratorChannels = 8, DiscriminatorChannels = 8,
        Iterations = 100, Seed = 3, Threads = 1, LrG = 2e-3, LrD = 2e-3,
    };

    private static readonly GanTrainerOptions Options = new() { LogEvery = 1, R1Interval = 2, EvaluationSamples = 16, DiversityPairs = 8, FixedSamples = 4 };

    /// <summary>Blurry blobs, a stand-in for drawings.</summary>
    internal static TrainingData Data(int n = 24, int resolution = 16, long seed = 1)
    {
        using var g = new torch.Generator((ulong)seed);
        var x = rand([n, 1, resolution / 4, resolution / 4], generator: g);
        var up = nn.functional.interpolate(x, [resolution, resolution], mode: InterpolationMode.Bilinear, align_corners: false);
        return TrainingData.FromTensor((up * 2 - 1).clamp(-1, 1));
    }

    private static Dictionary<string, Tensor> Snapshot(nn.Module m) =>
        m.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());

    internal static bool SameState(nn.Module a, nn.Module b)
    {
        var sa = a.state_dict();
        var sb = b.state_dict();
        return sa.Count == sb.Count && sa.All(kv => eq(kv.Value, sb[kv.Key]).all().ToBoolean());
    }

    private static bool Moved(Dictionary<string, Tensor> before, nn.Module after) =>
        after.named_parameters().Any(p => !eq(p.parameter, before[p.name]).all().ToBoolean());

    [Theory]
    [InlineData(GanLoss.Bce, false, GanAugment.None, 1)]
    [InlineData(GanLoss.Hinge, true, GanAugment.DiffAugment, 1)]
    [InlineData(GanLoss.WganGp, false, GanAugment.None, 2)]
    public void A_few_steps_per_loss_give_finite_losses_and_move_the_weights(string loss, bool sn, string augment, int nCritic)
    {
        using var data = Data();
        using var trainer = new GanTrainer(Tiny with { Loss = loss, SpectralNorm = sn, Augment = augment, NCritic = nCritic }, data, options: Options);
        var g0 = Snapshot(trainer.Generator.Module);
        var d0 = Snapshot(trainer.Discriminator.Module);
        for (var i = 0; i < 3; i++)
            Assert.True(trainer.Step());
        var p = trainer.LatestProgress!;
        Assert.Equal(3, p.Iteration);
        Assert.True(double.IsFinite(p.LossD) && double.IsFinite(p.LossG), $"{p}");
        Assert.InRange(p.DReal, 0, 1);
        Assert.Equal(0, trainer.SkippedSteps);
        Assert.True(Moved(g0, trainer.Generator.Module));
        Assert.True(Moved(d0, trainer.Discriminator.Module));
        Assert.False(trainer.Stopped);
    }

    [Fact]
    public void Adaptive_augment_with_r1_and_instance_noise_trains_and_moves_p()
    {
        using var data = Data();
        var config = Tiny with { Augment = GanAugment.Adaptive, R1Gamma = 1, InstanceNoise = 0.1, EmaDecay = 0.9 };
        using var trainer = new GanTrainer(config, data, options: Options);
        var g0 = Snapshot(trainer.Generator.Module);
        trainer.Train(8);
        Assert.True(double.IsFinite(trainer.LatestProgress!.LossD));
        Assert.True(Moved(g0, trainer.Generator.Module));
        Assert.NotEqual(0.0, trainer.AugmentP); // D(real) > 0 on most reals early: p climbs (ImagesToFull 64k: 0.0005/interval)
        Assert.False(SameState(trainer.Generator.Module, trainer.EmaGenerator!.Module));
        var s1 = trainer.SampleFixed();
        var s2 = trainer.SampleFixed();
        Assert.Equal([4L, 1, 16, 16], s1.shape);
        Assert.True(eq(s1, s2).all().ToBoolean());
    }

    [Fact]
    public void Evaluation_gives_metrics_and_feeds_the_diagnostics()
    {
        using var data = Data();
        using var trainer = new GanTrainer(Tiny, data, options: Options);
        trainer.Train(2);
        var e = trainer.Evaluate();
        Assert.True(double.IsFinite(e.Swd) && e.Swd > 0);
        Assert.True(double.IsFinite(e.SwdRealFloor));
        Assert.InRange(e.Diversity, -1, 1);
        Assert.True(e.NnRatio > 0);
        Assert.Equal(e.Swd, trainer.History[^1].Swd);
    }

    [Fact]
    public void Train_checkpoint_resume_equals_training_straight_through()
    {
        var config = Tiny with { Augment = GanAugment.Adaptive, R1Gamma = 1, InstanceNoise = 0.1, EmaDecay = 0.9 };
        var options = Options with { LogEvery = 2 };
        using var data = Data();
        using var straight = new GanTrainer(config, data, options: options);
        straight.Train(6);

        using var ms = new MemoryStream();
        using (var first = new GanTrainer(config, data, options: options))
        {
            first.Train(3); // mid log interval and mid ADA interval
            first.SaveCheckpoint(ms);
        }
        // Disturb the global generator and the thread count before resuming: both come from the checkpoint.
        torch.manual_seed(999);
        torch.set_num_threads(2);
        ms.Position = 0;
        using var resumed = GanTrainer.Resume(ms, data, options: options);
        Assert.Equal(3, resumed.Iteration);
        Assert.Equal(1, resumed.Config.Threads);
        resumed.Train(3);

        Assert.Equal(6, resumed.Iteration);
        Assert.True(SameState(straight.Generator.Module, resumed.Generator.Module), "G");
        Assert.True(SameState(straight.Discriminator.Module, resumed.Discriminator.Module), "D");
        Assert.True(SameState(straight.EmaGenerator!.Module, resumed.EmaGenerator!.Module), "G_ema");
        Assert.Equal(straight.AugmentP, resumed.AugmentP);
    }

    [Fact]
    public void Generated_images_depend_only_on_checkpoint_and_seed()
    {
        using var data = Data();
        using var trainer = new GanTrainer(Tiny, data, options: Options);
        trainer.Train(2);
        using var ms = new MemoryStream();
        trainer.SaveCheckpoint(ms);
        ms.Position = 0;
        using var loaded = LoadedGenerator.FromCheckpoint(ms);
        var a = loaded.Generate(5, 42);
        var b = trainer.Generate(5, 42);
        Assert.True(eq(a, b).all().ToBoolean());
        Assert.False(eq(a, loaded.Generate(5, 43)).all().ToBoolean());
        Assert.Equal(2, loaded.Iteration);
    }

    [Fact]
    public void A_nan_image_is_diagnosed_as_divergence_and_stops_training_with_skipped_steps()
    {
        using var data = Data();
        data.Images.narrow(0, 0, 12).fill_(double.NaN); // every batch of 24 draws some
        using var trainer = new GanTrainer(Tiny with { BatchSize = 24 }, data, options: Options with { LogEvery = 2 });
        var g0 = Snapshot(trainer.Generator.Module);
        trainer.Train(50);
        Assert.True(trainer.Stopped);
        Assert.Equal(2, trainer.Iteration);
        Assert.True(trainer.SkippedSteps > 0);
        Assert.Contains(trainer.Diagnoses, d => d.Code == DiagnosisCodes.Divergence && d.StopTraining);
        Assert.True(trainer.Generator.Module.parameters().All(p => isfinite(p).all().ToBoolean()));
    }

    [Fact]
    public void Steps_do_not_leak_tensors()
    {
        using var data = Data();
        var config = Tiny with { Augment = GanAugment.Adaptive, R1Gamma = 1, InstanceNoise = 0.1, Loss = GanLoss.WganGp };
        using var trainer = new GanTrainer(config, data, options: Options with { LogEvery = 5 });
        trainer.Train(10);
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        trainer.Train(200);
        var after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Assert.InRange(after - before, -5, 5);
    }
}
