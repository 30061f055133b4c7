using GanService.Domain.Gan;
using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Domain.Tests.Gan;

[Collection(TorchCollection.Name)]
public class GanModelShapeTests
{
    public static TheoryData<int, int> ResolutionsAndChannels()
    {
        var data = new TheoryData<int, int>();
        foreach (var r in new[] { 16, 32, 64, 128, 256 })
            foreach (var c in new[] { 1, 3 })
                data.Add(r, c);
        return data;
    }

    private static GanConfig Narrow(int resolution, int channels) => GanPresets.SmallDataConfig with
    {
        Resolution = resolution, Channels = channels, GeneratorChannels = 8, DiscriminatorChannels = 8,
    };

    [Theory]
    [MemberData(nameof(ResolutionsAndChannels))]
    public void Generator_and_discriminator_shapes(int resolution, int channels)
    {
        using var scope = NewDisposeScope();
        var config = Narrow(resolution, channels);
        using var g = GanModels.CreateGenerator(config);
        using var d = GanModels.CreateDiscriminator(config);
        var images = g.Generate(randn(2, config.LatentDim));
        Assert.Equal(new long[] { 2, channels, resolution, resolution }, images.shape);
        Assert.True(images.abs().max().ToSingle() <= 1f);
        Assert.Equal(new long[] { 2 }, d.Score(images).shape);
    }

    [Theory]
    [InlineData(16, new[] { 16, 8 })]
    [InlineData(64, new[] { 64, 32, 16, 8 })]
    [InlineData(256, new[] { 64, 64, 64, 32, 16, 8 })]
    public void Depth_follows_resolution_and_width_is_capped_at_8x(int resolution, int[] generatorWidths)
    {
        var config = Narrow(resolution, 1);
        Assert.Equal(generatorWidths, GanArchitecture.GeneratorWidths(config));
        Assert.Equal(generatorWidths.Reverse().ToArray(), GanArchitecture.DiscriminatorWidths(config));
    }

    [Fact]
    public void Dcgan_classic_has_the_published_layout()
    {
        using var g = new GanGenerator(GanPresets.DcganClassicConfig);
        using var d = new GanDiscriminator(GanPresets.DcganClassicConfig);
        var gShapes = g.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        Assert.Equal(new long[] { 512 * 16, 100 }, gShapes["body.project.weight"]); // = ConvT(100, 512, 4) on 1x1
        Assert.Equal(new long[] { 512, 256, 4, 4 }, gShapes["body.upsample.up1.weight"]);
        Assert.Equal(new long[] { 64, 1, 4, 4 }, gShapes["body.upsample.toImage.weight"]);
        var dNames = d.named_parameters().Select(p => p.name).ToList();
        Assert.DoesNotContain("body.downsample.norm0.weight", dNames); // no BN on D's input layer
        Assert.Contains("body.downsample.norm1.weight", dNames);
        Assert.Equal(new long[] { 1, 512 * 16 }, d.named_parameters().Single(p => p.name == "head.weight").parameter.shape);
        using var scope = NewDisposeScope();
        var bnWeight = g.named_parameters().Single(p => p.name == "body.projectNorm.weight").parameter;
        Assert.InRange(bnWeight.mean().ToDouble(), 0.99, 1.01); // BN weight N(1, 0.02)
        var convWeight = g.named_parameters().Single(p => p.name == "body.upsample.up1.weight").parameter;
        Assert.InRange(convWeight.std().ToDouble(), 0.019, 0.021); // conv weight N(0, 0.02)
    }

    [Fact]
    public void Small_data_discriminator_uses_spectral_norm_and_no_batch_norm()
    {
        using var d = new GanDiscriminator(GanPresets.SmallDataConfig);
        Assert.Contains(d.modules(), m => m is SNConv2d);
        Assert.Contains(d.modules(), m => m is SNLinear);
        Assert.DoesNotContain(d.modules(), m => m is TorchSharp.Modules.BatchNorm2d);
    }

    [Theory]
    [InlineData(GanPresets.SmallData)]
    [InlineData(GanPresets.DcganClassic)]
    public void Conditional_models_have_the_right_shapes_and_labels_change_the_output(string preset)
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var config = GanPresets.Find(preset)! with
        {
            Resolution = 32, Channels = 3, GeneratorChannels = 8, DiscriminatorChannels = 8, Conditional = true, NumClasses = 4,
        };
        using var g = GanModels.CreateGenerator(config);
        using var d = GanModels.CreateDiscriminator(config);
        Assert.IsType<ConditionalGenerator>(g);
        Assert.IsType<ProjectionDiscriminator>(d);
        g.Module.eval();
        d.Module.eval();
        var z = randn(1, config.LatentDim).expand(2, -1);
        var a = g.Generate(z, tensor(new long[] { 0, 1 }));
        Assert.Equal(new long[] { 2, 3, 32, 32 }, a.shape);
        Assert.True((a[0] - a[1]).abs().max().ToSingle() > 1e-4f, "labels 0 and 1 gave the same image for the same z");
        var images = a[0].unsqueeze(0).expand(2, -1, -1, -1);
        var scores = d.Score(images, tensor(new long[] { 2, 3 }));
        Assert.Equal(new long[] { 2 }, scores.shape);
        Assert.NotEqual(scores[0].ToSingle(), scores[1].ToSingle());
        Assert.Throws<ArgumentNullException>(() => g.Generate(z));
    }

    [Fact]
    public void Conditional_needs_at_least_two_classes()
    {
        var config = GanPresets.SmallDataConfig with { Conditional = true, NumClasses = 0 };
        Assert.Throws<ArgumentException>(() => GanModels.CreateGenerator(config));
        Assert.Throws<ArgumentException>(() => GanModels.CreateDiscriminator(config));
    }
}
