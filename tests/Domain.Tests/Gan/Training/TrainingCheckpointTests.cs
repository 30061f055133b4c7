using GanService.Domain.Gan.Augmentation;
using GanService.Domain.Gan.Losses;
using GanService.Domain.Gan.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GanService.Domain.Tests.Gan.Training;

public class TrainingCheckpointTests
{
    private const int Batch = 8;
    private const string Config = """{"preset":"toy","resolution":8,"nested":{"lr":0.0002}}""";

    /// <summary>
    /// Everything a run carries: a tiny conv GAN (G with batch norm, so EMA has buffers), two Adam optimisers,
    /// EMA, ADA, DiffAugment, instance noise, lazy R1, a torch generator and a host RNG.
    /// Only explicit generators are used for randomness in the step (never torch's default one), so tests that
    /// run in parallel cannot disturb it.
    /// </summary>
    private sealed class Run
    {
        public readonly Sequential G = nn.Sequential(nn.Linear(8, 64), nn.BatchNorm1d(64), nn.Tanh());
        public readonly Sequential GEma = nn.Sequential(nn.Linear(8, 64), nn.BatchNorm1d(64), nn.Tanh());
        public readonly Sequential D = nn.Sequential(nn.Conv2d(1, 4, 3, padding: 1), nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(256, 1));
        public readonly Adam OptG, OptD;
        public readonly ExponentialMovingAverage Ema;
        public readonly AdaptiveAugment Ada = new(new AdaptiveAugmentOptions { ImagesToFull = 200, InitialP = 0.3, Interval = 2 });
        public readonly DiffAugment Augment = new();
        public readonly InstanceNoise Noise = new(0.1, 20);
        public readonly Generator Torch;
        public readonly CheckpointableRandom Host;
        public long Iteration;

        public Run(ulong seed)
        {
            (OptG, OptD) = (optim.Adam(G.parameters(), 2e-3, 0.5, 0.99), optim.Adam(D.parameters(), 2e-3, 0.5, 0.99));
            Ema = new ExponentialMovingAverage(G, GEma, 0.9, rampUp: true);
            Torch = new Generator(seed);
            Host = new CheckpointableRandom(seed);
        }

        public CheckpointContent Content(bool includeDefault = true)
        {
            var c = new CheckpointContent { ConfigJson = Config, Iteration = Iteration, IncludeDefaultGenerator = includeDefault };
            c.Modules["G"] = G; c.Modules["D"] = D; c.Modules["G_ema"] = GEma;
            c.Optimizers["G"] = OptG; c.Optimizers["D"] = OptD;
            c.Generators["train"] = Torch;
            c.States["ada"] = Ada; c.States["ema"] = Ema; c.States["random"] = Host;
            return c;
        }

        public void Train(Tensor data, int steps)
        {
            var loss = GanLoss.NonSaturating;
            for (var s = 0; s < steps; s++, Iteration++)
            {
                using var scope = NewDisposeScope();
                var it = Iteration;
                Func<Tensor, Tensor> d = x => D.call(Augment.Apply(Noise.Apply(x, it, Torch), Ada.P, Torch)).view(-1);
                var idx = Enumerable.Range(0, Batch).Select(_ => (long)Host.Next((int)data.shape[0])).ToArray();
                var real = data.index_select(0, tensor(idx));
                var fake = G.call(randn(new long[] { Batch, 8 }, generator: Torch)).view(Batch, 1, 8, 8);

                OptD.zero_grad();
                var realLogits = d(real);
                var dLoss = loss.Discriminator(realLogits, d(fake.detach()));
                if (LazyRegularization.IsDue(it, 2)) dLoss = dLoss + GradientPenalty.R1(d, real, 1.0, interval: 2);
                dLoss.backward();
                OptD.step();
                Ada.Update(realLogits);

                OptG.zero_grad();
                var gLoss = loss.Generator(d(G.call(randn(new long[] { Batch, 8 }, generator: Torch)).view(Batch, 1, 8, 8)));
                gLoss.backward();
                OptG.step();
                Ema.Update();
            }
        }

        /// <summary>The whole state as bytes (without torch's default generator, which other tests may use).</summary>
        public byte[] Snapshot()
        {
            using var ms = new MemoryStream();
            TrainingCheckpoint.Write(ms, Content(includeDefault: false));
            return ms.ToArray();
        }
    }

    private static void CopyInitialState(Run from, Run to)
    {
        using var ms = new MemoryStream();
        TrainingCheckpoint.Write(ms, from.Content(includeDefault: false));
        ms.Position = 0;
        TrainingCheckpoint.Read(ms, to.Content(includeDefault: false));
    }

    [Fact]
    public void Resuming_from_a_checkpoint_is_bit_exact_with_training_straight_through()
    {
        using var scope = NewDisposeScope();
        const int n = 5;
        var data = rand(new long[] { 24, 1, 8, 8 }, generator: new Generator(99)) * 2 - 1;

        var straight = new Run(7);
        var first = new Run(123);     // its random init and seeds are replaced by straight's
        CopyInitialState(straight, first);
        Assert.Equal(straight.Snapshot(), first.Snapshot());

        straight.Train(data, 2 * n);
        first.Train(data, n);
        Assert.True(first.Ada.Adjustments > 0 && first.Ema.Steps == n);

        using var checkpoint = new MemoryStream();
        TrainingCheckpoint.Write(checkpoint, first.Content());
        checkpoint.Position = 0;

        var resumed = new Run(4242);  // fresh objects: other weights, other seeds, empty optimiser state
        var header = TrainingCheckpoint.Read(checkpoint, resumed.Content());
        resumed.Iteration = header.Iteration;
        Assert.Equal(n, header.Iteration);
        Assert.Equal(first.Snapshot(), resumed.Snapshot());

        resumed.Train(data, n);
        Assert.Equal(straight.Iteration, resumed.Iteration);
        Assert.True(straight.Ema.Steps == resumed.Ema.Steps && straight.Ada.P == resumed.Ada.P);
        foreach (var (a, b) in straight.G.parameters().Concat(straight.D.parameters()).Concat(straight.GEma.parameters())
                     .Zip(resumed.G.parameters().Concat(resumed.D.parameters()).Concat(resumed.GEma.parameters())))
            Assert.True(a.eq(b).all().ToBoolean());
        // Every byte: weights, buffers, Adam steps and moments, generator, ADA, EMA, host RNG.
        Assert.Equal(straight.Snapshot(), resumed.Snapshot());

        // Negative control: the same resume with the torch generator re-seeded diverges, so the comparison above
        // is sensitive to the restored state.
        checkpoint.Position = 0;
        var reseeded = new Run(4242);
        TrainingCheckpoint.Read(checkpoint, reseeded.Content());
        reseeded.Iteration = n;
        reseeded.Torch.manual_seed(1);
        reseeded.Train(data, n);
        Assert.False(straight.G.parameters().First().eq(reseeded.G.parameters().First()).all().ToBoolean());
    }

    [Fact]
    public void Header_carries_config_and_sections_and_reading_is_strict()
    {
        using var scope = NewDisposeScope();
        var run = new Run(1);
        run.Iteration = 17;
        using var ms = new MemoryStream();
        TrainingCheckpoint.Write(ms, run.Content());
        var bytes = ms.ToArray();

        var header = TrainingCheckpoint.ReadHeader(new MemoryStream(bytes));
        Assert.Equal(17, header.Iteration);
        Assert.Equal(Config, header.ConfigJson);
        Assert.Equal(
            new[] { "module:D", "module:G", "module:G_ema", "optimizer:D", "optimizer:G", "generator:train", "default_generator:default", "state:ada", "state:ema", "state:random" },
            header.Sections.Select(s => $"{s.Kind}:{s.Name}"));

        // A missing target, a corrupted byte and a foreign file are all refused.
        var partial = run.Content();
        partial.States.Remove("ada");
        Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.Read(new MemoryStream(bytes), partial));
        var corrupt = (byte[])bytes.Clone();
        corrupt[^3] ^= 0x40;
        Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.Read(new MemoryStream(corrupt), new Run(2).Content()));
        Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.ReadHeader(new MemoryStream("not a checkpoint"u8.ToArray())));
        Assert.Throws<ArgumentException>(() => TrainingCheckpoint.Write(new MemoryStream(), new CheckpointContent { ConfigJson = "{oops" }));
    }

    [Fact]
    public void Host_random_is_reproducible_and_round_trips()
    {
        var a = new CheckpointableRandom(5);
        var b = new CheckpointableRandom(5);
        var first = Enumerable.Range(0, 50).Select(_ => a.Next(10)).ToArray();
        Assert.Equal(first, Enumerable.Range(0, 50).Select(_ => b.Next(10)).ToArray());
        Assert.All(first, v => Assert.InRange(v, 0, 9));
        Assert.True(first.Distinct().Count() > 5);
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true)) a.Save(w);
        var c = new CheckpointableRandom(0);
        ms.Position = 0;
        using (var r = new BinaryReader(ms)) c.Load(r);
        Assert.Equal(a.NextUInt64(), c.NextUInt64());
        var d = a.NextDouble();
        Assert.InRange(d, 0.0, 1.0);
        var list = Enumerable.Range(0, 20).ToList();
        a.Shuffle(list);
        Assert.Equal(Enumerable.Range(0, 20), list.Order());
    }
}
