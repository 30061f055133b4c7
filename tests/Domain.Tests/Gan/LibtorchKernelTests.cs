using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GanService.Domain.Tests.Gan;

/// <summary>
/// Why the generator's first layer and the discriminator's last layer are Linear layers (docs: TORCHSHARP.md).
/// libtorch 2.10 on this CPU gets two DCGAN kernels silently wrong. These tests REPORT the error of the plain
/// libtorch layer against float64 (it is a libtorch bug and may be fixed or absent on other CPUs, so it does not
/// fail the suite) and ASSERT that our exact linear equivalent matches float64.
/// </summary>
[Collection(TorchCollection.Name)]
public class LibtorchKernelTests(ITestOutputHelper output)
{
    private const double ExactTolerance = 1e-5; // float32 rounding over a 100- to 8192-term dot product: ~1e-7..1e-6

    [Fact]
    public void Generator_first_layer_as_linear_is_exact_where_ConvTranspose2d_on_1x1_is_not()
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        const int nz = 100, channels = 512, batch = 16;
        var convT = nn.ConvTranspose2d(nz, channels, 4, stride: 1, bias: false);
        using (no_grad()) nn.init.normal_(convT.weight!, 0, 0.02);
        var z = randn(batch, nz);
        var weight64 = convT.weight!.detach().to(ScalarType.Float64);
        var reference = F.conv_transpose2d(z.to(ScalarType.Float64).view(batch, nz, 1, 1), weight64); // (C) x 4 x 4

        var plain = convT.forward(z.view(batch, nz, 1, 1));
        // Ours: Linear(nz, C*16) with weight W viewed (nz, C*16) and transposed, then view (C) x 4 x 4.
        var linear = nn.Linear(nz, channels * 16, hasBias: false);
        using (no_grad()) linear.weight!.copy_(convT.weight!.view(nz, channels * 16).t());
        var ours = linear.forward(z).view(batch, channels, 4, 4);

        var plainError = Float64Reference.RelativeError(plain, reference);
        var oursError = Float64Reference.RelativeError(ours, reference);
        output.WriteLine($"ConvTranspose2d({nz}->{channels}, 4, 1) on 1x1, forward vs float64: plain libtorch {plainError:E2}, our Linear {oursError:E2}");
        Assert.True(oursError < ExactTolerance, $"our Linear: {oursError:E2}");
    }

    [Fact]
    public void Discriminator_last_layer_as_linear_has_exact_input_gradient_where_Conv2d_on_4x4_does_not()
    {
        using var scope = NewDisposeScope();
        manual_seed(8);
        const int channels = 512, batch = 16;
        var conv = nn.Conv2d(channels, 1, 4, bias: false);
        using (no_grad()) nn.init.normal_(conv.weight!, 0, 0.02);
        var features = randn(batch, channels, 4, 4);
        var upstream = randn(batch, dtype: ScalarType.Float64);

        var x64 = features.to(ScalarType.Float64).requires_grad_(true);
        (F.conv2d(x64, conv.weight!.detach().to(ScalarType.Float64)).view(-1) * upstream).sum().backward();

        var xPlain = features.clone().requires_grad_(true);
        (conv.forward(xPlain).view(-1) * upstream.to(ScalarType.Float32)).sum().backward();

        // Ours: flatten (C*16) then Linear(C*16, 1) with the conv weight flattened.
        var linear = nn.Linear(channels * 16, 1, hasBias: false);
        using (no_grad()) linear.weight!.copy_(conv.weight!.view(1, channels * 16));
        var xOurs = features.clone().requires_grad_(true);
        (linear.forward(xOurs.flatten(1)).view(-1) * upstream.to(ScalarType.Float32)).sum().backward();

        var plainError = Float64Reference.RelativeError(xPlain.grad!, x64.grad!);
        var oursError = Float64Reference.RelativeError(xOurs.grad!, x64.grad!);
        output.WriteLine($"Conv2d({channels}->1, 4) on 4x4, input gradient vs float64: plain libtorch {plainError:E2}, our Linear {oursError:E2}");
        Assert.True(oursError < ExactTolerance, $"our Linear: {oursError:E2}");
    }
}
