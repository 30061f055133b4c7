using GanService.Domain.Gan;
using GanService.Domain.Gan.FewShot;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace GanService.Domain.Tests.Gan.FewShot;

/// <summary>
/// The fastgan family against float64 twins with the same weights (docs: TORCHSHARP.md; tolerances as in
/// <see cref="GanModelNumericsTests"/>): G's images, D's logits plus the decoders' reconstruction loss, and every
/// parameter and input gradient. G's noise uses its fixed maps so both twins see the same noise.
/// </summary>
[Collection(TorchCollection.Name)]
public class FewShotNumericsTests(ITestOutputHelper output)
{
    private const double ForwardTolerance = Float64Reference.ForwardTolerance;
    private const double GradientTolerance = Float64Reference.GradientTolerance;

    public static TheoryData<int, int, bool> Cases() => new()
    {
        { 32, 1, false }, { 64, 1, false }, { 128, 3, false }, { 256, 1, false }, { 64, 3, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Generator_matches_float64(int resolution, int channels, bool conditional)
    {
        var config = FewShotModelTests.Narrow(resolution, channels, conditional: conditional);
        manual_seed(11);
        using var g32 = new FewShotGenerator(config);
        using var g64 = new FewShotGenerator(config);
        using (no_grad())
            foreach (var (name, p) in g32.named_parameters().Where(p => p.name.Contains("noise")))
                p.fill_(0.3);
        g64.to(ScalarType.Float64);
        Float64Reference.CopyState(g32, g64);
        g32.SetNoiseMode(NoiseMode.Constant);
        g64.SetNoiseMode(NoiseMode.Constant);
        using var labels = tensor(new long[] { 0, 2 });
        var result = Float64Reference.CompareWithRetry($"G {resolution} x{channels}{(conditional ? " conditional" : "")}", g32, g64,
            () => randn(2, config.LatentDim), (m, x) => ((IGanGenerator)m).Generate(x, conditional ? labels : null), output, 200);
        Assert.True(result.Output < ForwardTolerance, $"forward {result}");
        Assert.True(result.WorstParameterGradient < GradientTolerance, $"gradients {result}");
        Assert.True(result.InputGradient < GradientTolerance, $"z gradient {result}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Discriminator_with_decoders_matches_float64(int resolution, int channels, bool conditional)
    {
        var config = FewShotModelTests.Narrow(resolution, channels, conditional: conditional);
        manual_seed(12);
        using var d32 = new FewShotDiscriminator(config);
        using var d64 = new FewShotDiscriminator(config);
        d64.to(ScalarType.Float64);
        Float64Reference.CopyState(d32, d64);
        using var labels = tensor(new long[] { 1, 2 });
        // Logits and the reconstruction loss in one output, so one backward covers D's head and its decoders.
        Tensor Run(nn.Module m, Tensor x)
        {
            var d = (FewShotDiscriminator)m;
            var o = d.Run(x, conditional ? labels : null, part: 1);
            return cat([o.Logits, d.ReconstructionLoss(x, o.Big!, o.Small!, o.Part!, 1).reshape(1)]);
        }
        var result = Float64Reference.CompareWithRetry($"D {resolution} x{channels}{(conditional ? " conditional" : "")}", d32, d64,
            () => rand(2, channels, resolution, resolution) * 2 - 1, Run, output, 200);
        Assert.True(result.Output < ForwardTolerance, $"forward {result}");
        Assert.True(result.WorstParameterGradient < GradientTolerance, $"gradients {result}");
        Assert.True(result.InputGradient < GradientTolerance, $"image gradient {result}");
    }
}
