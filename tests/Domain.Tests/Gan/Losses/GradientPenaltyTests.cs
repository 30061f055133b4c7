using GanService.Domain.Gan.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Domain.Tests.Gan.Losses;

public class GradientPenaltyTests
{
    // A linear critic D(x) = <w, x> + b has grad_x D = w for every x, so ||grad|| = ||w|| is known exactly.
    private static (Tensor W, Func<Tensor, Tensor> D) LinearCritic(double[] weights, long[] imageShape)
    {
        var w = tensor(weights).view(imageShape).requires_grad_(true);
        var b = tensor(0.3);
        return (w, x => (x * w).sum(new long[] { 1, 2, 3 }) + b);
    }

    [Fact]
    public void Wgan_gp_is_lambda_times_squared_norm_gap_on_a_linear_critic()
    {
        using var scope = NewDisposeScope();
        var weights = new[] { 0.5, -1.0, 2.0, 0.25, 0.0, 1.5, -0.75, 0.1 };
        var (w, d) = LinearCritic(weights, new long[] { 1, 2, 2, 2 });
        var real = randn(new long[] { 5, 2, 2, 2 }, dtype: ScalarType.Float64, generator: new Generator(1));
        var fake = randn(new long[] { 5, 2, 2, 2 }, dtype: ScalarType.Float64, generator: new Generator(2));
        var norm = Math.Sqrt(weights.Sum(v => v * v));
        const double lambda = 10.0;

        var penalty = GradientPenalty.Wgan(d, real, fake, lambda, new Generator(3));
        Assert.Equal(lambda * (norm - 1) * (norm - 1), penalty.item<double>(), 10);

        // create_graph: the penalty differentiates w.r.t. D's weights: 2*lambda*(||w|| - 1) * w / ||w||.
        penalty.backward();
        var grad = w.grad!.flatten().data<double>().ToArray();
        for (var i = 0; i < weights.Length; i++)
            Assert.Equal(2 * lambda * (norm - 1) * weights[i] / norm, grad[i], 8);
    }

    [Fact]
    public void Wgan_gp_is_zero_for_a_unit_norm_critic_and_deterministic_given_a_generator()
    {
        using var scope = NewDisposeScope();
        var (_, d) = LinearCritic(new[] { 0.6, 0.0, 0.0, 0.8 }, new long[] { 1, 1, 2, 2 });
        var real = ones(3, 1, 2, 2, dtype: ScalarType.Float64);
        var fake = zeros(3, 1, 2, 2, dtype: ScalarType.Float64);
        Assert.Equal(0.0, GradientPenalty.Wgan(d, real, fake).item<double>(), 10);

        // A non-linear critic: the interpolation weights come from the generator.
        Func<Tensor, Tensor> sq = x => x.square().sum(new long[] { 1, 2, 3 });
        var a = GradientPenalty.Wgan(sq, real, fake, 10, new Generator(5)).item<double>();
        var b = GradientPenalty.Wgan(sq, real, fake, 10, new Generator(5)).item<double>();
        Assert.Equal(a, b);
    }

    [Fact]
    public void R1_is_half_gamma_times_squared_gradient_norm_scaled_by_the_lazy_interval()
    {
        using var scope = NewDisposeScope();
        var weights = new[] { 0.5, -1.0, 2.0, 0.25 };
        var (w, d) = LinearCritic(weights, new long[] { 1, 1, 2, 2 });
        var real = randn(new long[] { 4, 1, 2, 2 }, dtype: ScalarType.Float64, generator: new Generator(1));
        var sq = weights.Sum(v => v * v);

        Assert.Equal(5.0 / 2 * sq, GradientPenalty.R1(d, real, gamma: 5.0).item<double>(), 12);
        var lazy = GradientPenalty.R1(d, real, gamma: 5.0, interval: 16);
        Assert.Equal(16 * 5.0 / 2 * sq, lazy.item<double>(), 10);
        lazy.backward(); // d/dw (k*gamma/2*||w||^2) = k*gamma*w
        var grad = w.grad!.flatten().data<double>().ToArray();
        for (var i = 0; i < weights.Length; i++) Assert.Equal(16 * 5.0 * weights[i], grad[i], 10);

        // D(x) = 0.5 ||x||^2 has grad_x = x: R1 = gamma/2 * mean_b ||x_b||^2.
        var r1 = GradientPenalty.R1(x => 0.5 * x.square().sum(new long[] { 1, 2, 3 }), real, gamma: 1.0).item<double>();
        var expected = real.square().sum(new long[] { 1, 2, 3 }).mean().item<double>() / 2;
        Assert.Equal(expected, r1, 12);
        Assert.False(real.requires_grad);
    }

    [Fact]
    public void Lazy_regularisation_helpers_follow_stylegan2()
    {
        Assert.True(LazyRegularization.IsDue(0, 16));
        Assert.False(LazyRegularization.IsDue(15, 16));
        Assert.True(LazyRegularization.IsDue(32, 16));
        var (lr, b1, b2) = LazyRegularization.AdjustAdam(0.0025, 0.0, 0.99, 16);
        Assert.Equal(0.0025 * 16 / 17, lr, 15);
        Assert.Equal(0.0, b1);
        Assert.Equal(Math.Pow(0.99, 16.0 / 17), b2, 15);
    }

    public static TheoryData<GanLossKind, string> Setups() => new()
    {
        { GanLossKind.NonSaturating, "r1" },
        { GanLossKind.NonSaturating, "none" },
        { GanLossKind.Hinge, "r1" },
        { GanLossKind.Wasserstein, "gp" },
    };

    [Theory]
    [MemberData(nameof(Setups))]
    public void A_few_training_steps_stay_finite_and_move_the_weights(GanLossKind kind, string penalty)
    {
        using var scope = NewDisposeScope();
        var gen = new Generator(42);
        var g = nn.Sequential(nn.Linear(4, 16), nn.LeakyReLU(0.2), nn.Linear(16, 12));
        var dNet = nn.Sequential(nn.Flatten(), nn.Linear(12, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1));
        Func<Tensor, Tensor> d = x => dNet.call(x).view(-1);
        var optG = optim.Adam(g.parameters(), 1e-3, 0.5, 0.9);
        var optD = optim.Adam(dNet.parameters(), 1e-3, 0.5, 0.9);
        var g0 = g.parameters().Select(p => p.detach().clone()).ToList();
        var d0 = dNet.parameters().Select(p => p.detach().clone()).ToList();
        var loss = GanLoss.For(kind);

        for (var step = 0; step < 5; step++)
        {
            using var s = NewDisposeScope();
            var real = (randn(new long[] { 8, 3, 2, 2 }, generator: gen) * 0.5 + 1.0);
            var fake = g.call(randn(new long[] { 8, 4 }, generator: gen)).view(8, 3, 2, 2);
            optD.zero_grad();
            var dLoss = loss.Discriminator(d(real), d(fake.detach()));
            if (penalty == "r1") dLoss = dLoss + GradientPenalty.R1(d, real, 1.0);
            if (penalty == "gp") dLoss = dLoss + GradientPenalty.Wgan(d, real, fake, 10, gen);
            dLoss.backward();
            optD.step();
            optG.zero_grad();
            var gLoss = loss.Generator(d(g.call(randn(new long[] { 8, 4 }, generator: gen)).view(8, 3, 2, 2)));
            gLoss.backward();
            optG.step();
            Assert.True(double.IsFinite(dLoss.item<float>()) && double.IsFinite(gLoss.item<float>()));
        }
        Assert.All(g.parameters().Concat(dNet.parameters()), p => Assert.True(p.isfinite().all().ToBoolean()));
        Assert.Contains(g.parameters().Zip(g0), t => !t.First.eq(t.Second).all().ToBoolean());
        // Every weight matrix of D moves (the last bias has no gradient under the Wasserstein loss: it cancels).
        Assert.All(dNet.parameters().Zip(d0).Where(t => t.First.dim() == 2),
            t => Assert.False(t.First.eq(t.Second).all().ToBoolean()));
    }
}
