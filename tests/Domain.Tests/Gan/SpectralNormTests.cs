using GanService.Domain.Gan;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace GanService.Domain.Tests.Gan;

[Collection(TorchCollection.Name)]
public class SpectralNormTests(ITestOutputHelper output)
{
    private static double ExactSigma(Tensor weight)
    {
        using var scope = NewDisposeScope();
        var matrix = weight.detach().to(ScalarType.Float64).view(weight.shape[0], -1);
        return linalg.svdvals(matrix).max().ToDouble();
    }

    public static TheoryData<string> Layers() => ["conv", "linear", "embedding"];

    private static nn.Module<Tensor, Tensor> Create(string kind) => kind switch
    {
        "conv" => new SNConv2d(32, 64, 4, stride: 2, padding: 1),
        "linear" => new SNLinear(512, 1),
        _ => new SNEmbedding(10, 256),
    };

    private static Tensor Input(string kind) => kind switch
    {
        "conv" => randn(2, 32, 8, 8),
        "linear" => randn(2, 512),
        _ => tensor(new long[] { 0, 9 }),
    };

    [Theory]
    [MemberData(nameof(Layers))]
    public void Sigma_matches_the_largest_singular_value(string kind)
    {
        manual_seed(3);
        using var layer = Create(kind);
        var sn = (ISpectralNormLayer)layer;
        layer.train();
        for (var i = 0; i < 100; i++)
        {
            using var scope = NewDisposeScope();
            layer.forward(Input(kind));
        }
        var exact = ExactSigma(sn.RawWeight);
        var estimate = sn.Sigma();
        output.WriteLine($"{kind}: sigma {estimate:G6}, exact (svdvals, float64) {exact:G6}, relative error {Math.Abs(estimate - exact) / exact:E2}");
        // 15 power iterations at construction + one per training forward (100 here; in training the weights move
        // slowly, so u keeps converging across thousands of steps). u^T W v never exceeds the exact value, and the
        // gap closes like (sigma_2 / sigma_1)^(2k): random square-ish matrices, whose top singular values lie close
        // together, are the slow case (1.2-1.6 % after 20 iterations, measured). 2e-3 after 115.
        Assert.InRange(estimate, exact * (1 - 2e-3), exact * (1 + 1e-6));
    }

    [Fact]
    public void Normalised_weight_has_unit_spectral_norm_and_eval_does_not_update_u()
    {
        manual_seed(4);
        using var layer = new SNLinear(128, 64);
        using var x = randn(4, 128);
        layer.train();
        for (var i = 0; i < 200; i++)
        {
            using var scope = NewDisposeScope();
            layer.forward(x);
        }
        // The layer's effective weight is W / sigma: its largest singular value should be 1.
        var exact = ExactSigma(layer.RawWeight);
        Assert.InRange(exact / layer.Sigma(), 1 - 1e-6, 1 + 2e-3);

        layer.eval();
        var before = layer.Sigma();
        using (var scope = NewDisposeScope())
        {
            var y1 = layer.forward(x);
            var y2 = layer.forward(x);
            Assert.True(y1.allclose(y2, rtol: 0, atol: 0));
        }
        Assert.Equal(before, layer.Sigma());
    }

    [Fact]
    public void Buffers_and_parameters_are_registered()
    {
        using var layer = new SNConv2d(3, 8, 4, stride: 2, padding: 1);
        Assert.Equal(["weight", "bias"], layer.named_parameters().Select(p => p.name).ToArray());
        Assert.Equal(["u", "v"], layer.named_buffers().Select(b => b.name).ToArray());
    }
}
