using GanService.Domain.Gan.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Domain.Tests.Gan.Training;

public class ExponentialMovingAverageTests
{
    private static nn.Module<Tensor, Tensor> Toy() =>
        nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2)).to(ScalarType.Float64);

    private static Dictionary<string, Tensor> Params(nn.Module m) =>
        m.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);

    [Fact]
    public void Parameters_follow_the_decay_formula_and_buffers_are_copied()
    {
        using var scope = NewDisposeScope();
        var source = Toy();
        var shadow = Toy();
        var ema = new ExponentialMovingAverage(source, shadow, decay: 0.9);
        foreach (var (name, p) in Params(source))
            Assert.True(p.eq(Params(shadow)[name]).all().ToBoolean(), "initial copy " + name);
        Assert.All(shadow.parameters(), p => Assert.False(p.requires_grad));

        // Expected value, kept in plain doubles: e <- 0.9 e + 0.1 p after each change of p.
        var expected = Params(source).ToDictionary(kv => kv.Key, kv => kv.Value.data<double>().ToArray());
        var gen = new Generator(1);
        for (var step = 0; step < 3; step++)
        {
            using (no_grad())
                foreach (var p in source.parameters()) p.add_(randn(p.shape, dtype: ScalarType.Float64, generator: gen));
            source.train();
            source.call(randn(new long[] { 8, 3 }, dtype: ScalarType.Float64, generator: gen)); // moves BN running stats
            ema.Update();
            foreach (var (name, p) in Params(source))
            {
                var now = p.data<double>().ToArray();
                expected[name] = expected[name].Zip(now, (e, v) => 0.9 * e + (1 - 0.9) * v).ToArray();
                var got = Params(shadow)[name].data<double>().ToArray();
                // An absolute tolerance: rounding both to 14 places can put two values 1e-16 apart on either side of a boundary (CI, 2026-12-03).
                for (var i = 0; i < got.Length; i++) Assert.Equal(expected[name][i], got[i], 1e-14);
            }
            var srcBuffers = source.named_buffers().ToDictionary(b => b.name, b => b.buffer);
            foreach (var (name, buffer) in shadow.named_buffers())
                Assert.True(buffer.eq(srcBuffers[name]).all().ToBoolean(), "buffer " + name);
        }
        Assert.Equal(3, ema.Steps);
        Assert.Equal(3, shadow.named_buffers().Single(b => b.name.EndsWith("num_batches_tracked")).buffer.item<long>());
    }

    [Fact]
    public void Ramp_up_uses_min_of_decay_and_one_plus_step_over_ten_plus_step()
    {
        using var scope = NewDisposeScope();
        var ema = new ExponentialMovingAverage(Toy(), Toy(), decay: 0.5, rampUp: true);
        Assert.Equal(0.1, ema.CurrentDecay, 15);
        ema.Update();
        Assert.Equal(2.0 / 11, ema.CurrentDecay, 15);
        for (var i = 0; i < 10; i++) ema.Update();
        Assert.Equal(0.5, ema.CurrentDecay); // (1+11)/(10+11) = 0.571 > 0.5
        Assert.Equal(0.999, new ExponentialMovingAverage(Toy(), Toy(), 0.999).CurrentDecay);
    }

    [Fact]
    public void Mismatched_shadow_is_rejected()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => new ExponentialMovingAverage(Toy(), nn.Sequential(nn.Linear(3, 2)).to(ScalarType.Float64)));
        var m = Toy();
        Assert.Throws<ArgumentException>(() => new ExponentialMovingAverage(m, m));
    }
}
