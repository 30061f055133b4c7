using GanService.Domain.Gan;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace GanService.Domain.Tests.Gan;

/// <summary>
/// Guards against silently wrong libtorch kernels (docs: TORCHSHARP.md): every preset at every resolution,
/// forward output and gradients of float32 models against float64 twins with the same weights.
/// </summary>
/// <remarks>
/// Thresholds (norm-wise relative error, ||f32 - f64|| / ||f64||): float32 rounds each operation at
/// 6e-8 relative; a dot product of K terms accumulates about sqrt(K) * 6e-8 (K up to 8192 here: 5e-6),
/// and about ten layers, batch norm over as few as 32 values (batch 2 at 4x4, dividing by a small standard
/// deviation) and LeakyReLU/ReLU kinks amplify it by at most a few tens. Measured errors are 1e-7 to 1e-6
/// forward and up to a few 1e-6 for gradients. So 1e-4 (forward) and 1e-3 (gradients) leave ample margin
/// for other CPUs and thread counts, while the known libtorch bugs give 1e-2 to 1e0 (and NaN), which these
/// bounds catch by two orders of magnitude.
/// </remarks>
[Collection(TorchCollection.Name)]
public class GanModelNumericsTests(ITestOutputHelper output)
{
    private const double ForwardTolerance = Float64Reference.ForwardTolerance;
    private const double GradientTolerance = Float64Reference.GradientTolerance;

    public static TheoryData<string, int, bool, bool> Cases()
    {
        var data = new TheoryData<string, int, bool, bool>();
        // The fastgan family has its own check (FewShotNumericsTests): its resolutions start at 32 and its G draws noise.
        // auto resolves to one of the named presets, which are checked by name.
        foreach (var preset in GanPresets.Names.Where(n => n != GanPresets.Auto && GanPresets.Find(n)!.Family == GanFamily.Dcgan))
        {
            foreach (var resolution in new[] { 16, 32, 64, 128, 256 })
                data.Add(preset, resolution, false, false); // narrow widths: every depth
            data.Add(preset, 64, true, false);              // the preset's own widths
            data.Add(preset, 32, false, true);              // conditional
        }
        return data;
    }

    private static GanConfig Config(string preset, int resolution, bool presetWidths, bool conditional)
    {
        var config = GanPresets.Find(preset)! with { Resolution = resolution };
        if (!presetWidths)
            config = config with { GeneratorChannels = 8, DiscriminatorChannels = 8 };
        if (conditional)
            config = config with { Conditional = true, NumClasses = 5, Channels = 3 };
        return config;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Generator_matches_float64(string preset, int resolution, bool presetWidths, bool conditional)
    {
        var config = Config(preset, resolution, presetWidths, conditional);
        manual_seed(1);
        using var g32 = GanModels.CreateGenerator(config);
        using var g64 = GanModels.CreateGenerator(config);
        g64.Module.to(ScalarType.Float64);
        Float64Reference.CopyState(g32.Module, g64.Module);
        using var labels = tensor(new long[] { 0, 3 });
        var result = Float64Reference.CompareWithRetry($"G {preset} {resolution} {(presetWidths ? "preset widths" : "narrow")}{(conditional ? " conditional" : "")}",
            g32.Module, g64.Module, () => randn(2, config.LatentDim),
            (m, x) => ((IGanGenerator)m).Generate(x, conditional ? labels : null), output, 100);
        Assert.True(result.Output < ForwardTolerance, $"forward {result}");
        Assert.True(result.WorstParameterGradient < GradientTolerance, $"gradients {result}");
        Assert.True(result.InputGradient < GradientTolerance, $"z gradient {result}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Discriminator_matches_float64(string preset, int resolution, bool presetWidths, bool conditional)
    {
        var config = Config(preset, resolution, presetWidths, conditional);
        manual_seed(2);
        using var d32 = GanModels.CreateDiscriminator(config);
        using var d64 = GanModels.CreateDiscriminator(config);
        d64.Module.to(ScalarType.Float64);
        Float64Reference.CopyState(d32.Module, d64.Module);
        using var labels = tensor(new long[] { 1, 4 });
        var result = Float64Reference.CompareWithRetry($"D {preset} {resolution} {(presetWidths ? "preset widths" : "narrow")}{(conditional ? " conditional" : "")}",
            d32.Module, d64.Module, () => rand(2, config.Channels, resolution, resolution) * 2 - 1,
            (m, x) => ((IGanDiscriminator)m).Score(x, conditional ? labels : null), output, 100);
        Assert.True(result.Output < ForwardTolerance, $"forward {result}");
        Assert.True(result.WorstParameterGradient < GradientTolerance, $"gradients {result}");
        Assert.True(result.InputGradient < GradientTolerance, $"image gradient {result}");
    }
}
