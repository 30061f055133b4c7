using GanService.Domain.Gan.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Domain.Tests.Gan.Losses;

public class GanLossTests
{
    private static readonly double[] Real = { 2.0, -1.0, 0.25, 3.5 };
    private static readonly double[] Fake = { 0.5, -3.0, 1.5, -0.125 };

    private static double Softplus(double x) => Math.Log(1 + Math.Exp(x));
    private static double Relu(double x) => Math.Max(0, x);

    public static TheoryData<GanLossKind, double, double> Expected()
    {
        var data = new TheoryData<GanLossKind, double, double>();
        data.Add(GanLossKind.NonSaturating,
            Real.Average(r => Softplus(-r)) + Fake.Average(f => Softplus(f)),
            Fake.Average(f => Softplus(-f)));
        data.Add(GanLossKind.Hinge,
            Real.Average(r => Relu(1 - r)) + Fake.Average(f => Relu(1 + f)),
            -Fake.Average());
        data.Add(GanLossKind.Wasserstein, Fake.Average() - Real.Average(), -Fake.Average());
        return data;
    }

    [Theory]
    [MemberData(nameof(Expected))]
    public void Losses_match_float64_formulas(GanLossKind kind, double expectedD, double expectedG)
    {
        using var scope = NewDisposeScope();
        var loss = GanLoss.For(kind);
        // float64 tensors: agree to rounding; float32 (the training dtype) to float32 precision.
        Assert.Equal(expectedD, loss.Discriminator(tensor(Real), tensor(Fake)).item<double>(), 12);
        Assert.Equal(expectedG, loss.Generator(tensor(Fake)).item<double>(), 12);
        var r32 = tensor(Real).to(ScalarType.Float32).view(2, 2);
        var f32 = tensor(Fake).to(ScalarType.Float32).view(2, 2);
        Assert.Equal(expectedD, loss.Discriminator(r32, f32).item<float>(), 5);
        Assert.Equal(expectedG, loss.Generator(f32).item<float>(), 5);
    }

    [Fact]
    public void Non_saturating_loss_is_stable_for_large_logits()
    {
        using var scope = NewDisposeScope();
        var d = GanLoss.NonSaturating.Discriminator(tensor(new float[] { 200f }), tensor(new float[] { -200f })).item<float>();
        var g = GanLoss.NonSaturating.Generator(tensor(new float[] { -200f })).item<float>();
        Assert.Equal(0f, d, 6);
        Assert.Equal(200f, g, 3);
    }

    [Fact]
    public void Instance_noise_std_decays_linearly_to_zero()
    {
        var noise = new InstanceNoise(0.2, 100);
        Assert.Equal(0.2, noise.StdAt(0), 15);
        Assert.Equal(0.1, noise.StdAt(50), 15);
        Assert.Equal(0.002, noise.StdAt(99), 15);
        Assert.Equal(0.0, noise.StdAt(100));
        Assert.Equal(0.0, noise.StdAt(5000));
        Assert.Equal(0.0, new InstanceNoise(0.2, 0).StdAt(0));

        using var scope = NewDisposeScope();
        var x = zeros(64, 3, 16, 16);
        Assert.Same(x, noise.Apply(x, 100, new Generator(1)));
        var a = noise.Apply(x, 50, new Generator(7));
        var b = noise.Apply(x, 50, new Generator(7));
        Assert.True(a.eq(b).all().ToBoolean());
        Assert.Equal(0.1, a.std().item<float>(), 2);
        Assert.Equal(0.0, a.mean().item<float>(), 2);
    }
}
