using System.Text.Json;
using System.Text.Json.Nodes;
using GanService.Domain.Gan;

namespace GanService.Domain.Tests.Gan;

public class GanConfigTests
{
    [Fact]
    public void Presets_are_valid_and_small_data_is_the_default()
    {
        foreach (var name in GanPresets.Names)
            Assert.Empty(GanPresets.Find(name)!.Validate());
        Assert.Same(GanPresets.SmallDataConfig, GanPresets.Find(null));
        Assert.Equal(GanPresets.SmallDataConfig, GanPresets.Resolve(null));
    }

    [Fact]
    public void Dcgan_classic_follows_radford_et_al()
    {
        var c = GanPresets.DcganClassicConfig;
        Assert.Equal((GanLoss.Bce, false, GanAugment.None, 100, 64, 64), (c.Loss, c.SpectralNorm, c.Augment, c.LatentDim, c.GeneratorChannels, c.DiscriminatorChannels));
        Assert.Equal((2e-4, 0.5), (c.LrG, c.Beta1));
        Assert.True(c.DiscriminatorBatchNorm);
    }

    [Fact]
    public void Overrides_replace_fields_and_keep_the_rest()
    {
        var overrides = JsonNode.Parse("""{"resolution":128,"Loss":"wgan-gp","includeTags":["cat"],"seed":7,"lrD":"0.0004"}""")!.AsObject();
        var config = GanPresets.Resolve("dcgan-classic", overrides);
        Assert.Equal(128, config.Resolution);
        Assert.Equal(GanLoss.WganGp, config.Loss);
        Assert.Equal(["cat"], config.IncludeTags);
        Assert.Equal(7, config.Seed);
        Assert.Equal(4e-4, config.LrD);
        Assert.Equal(100, config.LatentDim);
        Assert.False(config.DiscriminatorBatchNorm); // wgan-gp: no batch statistics in D
    }

    [Theory]
    [InlineData("""{"resolution":100}""", "resolution")]
    [InlineData("""{"resolution":512}""", "resolution")]
    [InlineData("""{"resolution":8}""", "resolution")]
    [InlineData("""{"channels":2}""", "channels")]
    [InlineData("""{"loss":"mse"}""", "loss")]
    [InlineData("""{"augment":"mixup"}""", "augment")]
    [InlineData("""{"emaDecay":1}""", "emaDecay")]
    [InlineData("""{"lrG":0}""", "lrG")]
    [InlineData("""{"beta2":1.5}""", "beta2")]
    [InlineData("""{"nCritic":0}""", "nCritic")]
    [InlineData("""{"batchSize":0}""", "batchSize")]
    [InlineData("""{"numClasses":1}""", "numClasses")]
    [InlineData("""{"iterations":"many"}""", "iterations")]
    [InlineData("""{"spectralNorm":"yes"}""", "spectralNorm")]
    [InlineData("""{"includeTags":"cat"}""", "includeTags")]
    [InlineData("""{"includeTags":["a"],"excludeTags":["A"]}""", "excludeTags")]
    [InlineData("""{"loss":null}""", "loss")]
    [InlineData("""{"learningRate":0.1}""", "learningRate")]
    public void Invalid_values_are_rejected_naming_the_field(string json, string field)
    {
        var (config, errors) = GanPresets.TryResolve(null, JsonNode.Parse(json)!.AsObject());
        Assert.Null(config);
        Assert.Contains(field, errors.Keys);
        var exception = Assert.Throws<GanConfigException>(() => GanPresets.Resolve(null, JsonNode.Parse(json)!.AsObject()));
        Assert.Contains(field, exception.Message);
    }

    [Fact]
    public void Unknown_preset_and_non_object_config_are_rejected()
    {
        Assert.Contains("preset", Assert.Throws<GanConfigException>(() => GanPresets.Resolve("stylegan")).Errors.Keys);
        using var doc = JsonDocument.Parse("[1]");
        Assert.Contains("config", Assert.Throws<GanConfigException>(() => GanPresets.Resolve(null, doc.RootElement)).Errors.Keys);
    }

    [Fact]
    public void Config_round_trips_through_json_with_camel_case_names()
    {
        var config = GanPresets.SmallDataConfig with { ExcludeTags = ["blurry"], Seed = 3 };
        var json = JsonSerializer.Serialize(config, GanPresets.JsonOptions);
        Assert.Contains("\"discriminatorChannels\":32", json);
        Assert.Contains("\"nCritic\":1", json);
        Assert.Equal(config, JsonSerializer.Deserialize<GanConfig>(json, GanPresets.JsonOptions));
    }
}
