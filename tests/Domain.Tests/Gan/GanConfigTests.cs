using System.Text.Json;
using System.Text.Json.Nodes;
using GanService.Domain.Gan;

namespace GanService.Domain.Tests.Gan;

public class GanConfigTests
{
    [Fact]
    public void Presets_are_valid_and_auto_is_the_default()
    {
        foreach (var name in GanPresets.Names)
            Assert.Empty(GanPresets.Find(name)!.Validate());
        Assert.Equal(GanPresets.Auto, GanPresets.Default);
        // On this CPU, auto at the default 64 px is small-data, and says so in the config.
        var auto = GanPresets.Resolve(null);
        Assert.Equal(GanPresets.SmallData, auto.Recipe);
        Assert.Contains("CPU", auto.RecipeReason);
        Assert.Equal(GanPresets.SmallDataConfig with { Cutout = false, HorizontalFlip = true, Recipe = auto.Recipe, RecipeReason = auto.RecipeReason }, auto);
    }

    [Fact]
    public void Auto_picks_the_family_from_the_device_and_the_size()
    {
        Assert.Equal(GanPresets.SmallData, AutoRecipe.Choose(128, gpu: false).Preset);
        Assert.Equal(GanPresets.SmallData, AutoRecipe.Choose(128, gpu: false, minutes: 30).Preset); // measured: small-data won at 128 px
        Assert.Equal(GanPresets.SmallData, AutoRecipe.Choose(64, gpu: false, minutes: 5).Preset);
        Assert.Equal(GanPresets.FewShot, AutoRecipe.Choose(64, gpu: false, minutes: 15).Preset);
        var big = AutoRecipe.Choose(512, gpu: false);
        Assert.Equal((GanPresets.FewShot, GanFamily.FastGan, 16), (big.Preset, big.Config.Family, big.Config.GeneratorChannels));
        var gpu = AutoRecipe.Choose(256, gpu: true);
        Assert.Equal(GanPresets.FewShotConfig with { Resolution = 256 }, gpu.Config); // FastGAN's published setting
        Assert.Equal(GanPresets.SmallData, AutoRecipe.Choose(16, gpu: true).Preset);  // fastgan starts at 32 px
        Assert.Empty(big.Config.Validate());
    }

    [Fact]
    public void Auto_turns_minutes_into_iterations_and_keeps_the_overrides()
    {
        var (config, errors) = AutoRecipe.Resolve(JsonNode.Parse("""{"resolution":64,"minutes":5,"batchSize":16}""")!.AsObject(), gpu: false);
        Assert.Empty(errors);
        Assert.Equal((5.0, 16, GanPresets.SmallData), (config!.Minutes, config.BatchSize, config.Recipe));
        Assert.InRange(config.Iterations, 1000, 20000);
        // 15 minutes at 64 px: the few-shot family at base 16, with the iterations its measured step gives.
        var (longer, _) = AutoRecipe.Resolve(JsonNode.Parse("""{"resolution":64,"minutes":15}""")!.AsObject(), gpu: false);
        Assert.Equal((GanPresets.FewShot, GanFamily.FastGan, 16, 128), (longer!.Recipe, longer.Family, longer.GeneratorChannels, longer.LatentDim));
        Assert.InRange(longer.Iterations, 3000, 4000);
        Assert.Empty(longer.Validate());
        // An iteration count alone is no time budget: the measured default stays.
        var (counted, _) = AutoRecipe.Resolve(JsonNode.Parse("""{"resolution":64,"iterations":20000}""")!.AsObject(), gpu: false);
        Assert.Equal(GanPresets.SmallData, counted!.Recipe);
        var (explicitIterations, _) = AutoRecipe.Resolve(JsonNode.Parse("""{"minutes":15,"iterations":300}""")!.AsObject(), gpu: false);
        Assert.Equal(300, explicitIterations!.Iterations);
        var (_, bad) = AutoRecipe.Resolve(JsonNode.Parse("""{"minutes":-1}""")!.AsObject(), gpu: false);
        Assert.Contains("minutes", bad.Keys);
    }

    [Fact]
    public void Fastgan_is_validated_on_its_own_sizes_and_losses()
    {
        var (_, small) = GanPresets.TryResolve(GanPresets.FewShot, JsonNode.Parse("""{"resolution":16}""")!.AsObject());
        Assert.Contains("32 to 1024", small["resolution"]);
        var (_, gp) = GanPresets.TryResolve(GanPresets.FewShot, JsonNode.Parse("""{"loss":"wgan-gp"}""")!.AsObject());
        Assert.Contains("batch norm", gp["loss"]);
        var (_, family) = GanPresets.TryResolve(GanPresets.SmallData, JsonNode.Parse("""{"family":"stylegan"}""")!.AsObject());
        Assert.Equal("must be one of dcgan, fastgan", family["family"]);
        var (_, dcgan512) = GanPresets.TryResolve(GanPresets.SmallData, JsonNode.Parse("""{"resolution":512}""")!.AsObject());
        Assert.Contains("16 to 256", dcgan512["resolution"]);
        var (fast, none) = GanPresets.TryResolve(GanPresets.SmallData, JsonNode.Parse("""{"family":"fastgan","resolution":512,"reconstruction":"l1-gradients"}""")!.AsObject());
        Assert.Empty(none);
        Assert.Equal((GanFamily.FastGan, ReconstructionLoss.L1Gradients), (fast!.Family, fast.Reconstruction));
        var json = System.Text.Json.JsonSerializer.Serialize(fast, GanPresets.JsonOptions);
        Assert.Contains("\"family\":\"fastgan\"", json);
        Assert.Contains("\"reconstruction\":\"l1-gradients\"", json);
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
    [InlineData("""{"resolution":2048}""", "resolution")]
    [InlineData("""{"resolution":8}""", "resolution")]
    [InlineData("""{"channels":2}""", "channels")]
    [InlineData("""{"loss":"mse"}""", "loss")]
    [InlineData("""{"augment":"mixup"}""", "augment")]
    [InlineData("""{"emaDecay":1}""", "emaDecay")]
    [InlineData("""{"lrG":0}""", "lrG")]
    [InlineData("""{"beta2":1.5}""", "beta2")]
    [InlineData("""{"nCritic":0}""", "nCritic")]
    [InlineData("""{"keepCheckpoints":-1}""", "keepCheckpoints")]
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
