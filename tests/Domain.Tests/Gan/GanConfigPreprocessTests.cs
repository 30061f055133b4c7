using System.Text.Json;
using System.Text.Json.Nodes;
using GanService.Domain.Gan;
using GanService.Domain.Imaging;

namespace GanService.Domain.Tests.Gan;

public class GanConfigPreprocessTests
{
    private static (GanConfig? Config, IReadOnlyDictionary<string, string> Errors) Apply(string json) =>
        GanPresets.TryResolve(null, JsonNode.Parse(json)!.AsObject());

    [Fact]
    public void Preprocess_is_null_by_default_and_means_the_default_options()
    {
        Assert.Null(GanPresets.SmallDataConfig.Preprocess);
        Assert.Equal(PreprocessOptions.Default, GanPresets.SmallDataConfig.EffectivePreprocess);
    }

    [Fact]
    public void Preprocess_overrides_merge_onto_the_defaults()
    {
        var (config, errors) = Apply("""{"preprocess":{"denoise":2,"fit":"crop"}}""");
        Assert.Empty(errors);
        Assert.Equal(PreprocessOptions.Default with { Denoise = 2, Fit = FitMode.Crop }, config!.Preprocess);
        Assert.Equal(0, config.Threads);
    }

    [Fact]
    public void Preprocess_round_trips_through_json_with_fit_as_a_camel_case_string()
    {
        var config = GanPresets.SmallDataConfig with { Preprocess = PreprocessOptions.None with { Fit = FitMode.Stretch }, Threads = 2 };
        var json = JsonSerializer.Serialize(config, GanPresets.JsonOptions);
        Assert.Contains("\"fit\":\"stretch\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("effectivePreprocess", json, StringComparison.Ordinal);
        Assert.Equal(config, JsonSerializer.Deserialize<GanConfig>(json, GanPresets.JsonOptions));
    }

    [Theory]
    [InlineData("""{"preprocess":{"fit":"zoom"}}""", "preprocess.fit")]
    [InlineData("""{"preprocess":{"fit":1}}""", "preprocess.fit")]
    [InlineData("""{"preprocess":{"denoise":7}}""", "preprocess.denoise")]
    [InlineData("""{"preprocess":{"denoise":"lots"}}""", "preprocess.denoise")]
    [InlineData("""{"preprocess":{"sharpen":true}}""", "preprocess.sharpen")]
    [InlineData("""{"preprocess":5}""", "preprocess")]
    [InlineData("""{"threads":-1}""", "threads")]
    public void Bad_preprocess_fields_are_named(string json, string field)
    {
        var (config, errors) = Apply(json);
        Assert.Null(config);
        Assert.True(errors.ContainsKey(field), $"expected {field}, got {string.Join(", ", errors.Keys)}");
    }

    [Fact]
    public void Null_preprocess_is_the_default()
    {
        var (config, errors) = Apply("""{"preprocess":null}""");
        Assert.Empty(errors);
        Assert.Null(config!.Preprocess);
    }
}
