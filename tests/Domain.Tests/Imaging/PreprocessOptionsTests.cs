using GanService.Domain.Imaging;

namespace GanService.Domain.Tests.Imaging;

public class PreprocessOptionsTests
{
    [Fact]
    public void Defaults_clean_up_and_None_turns_everything_off()
    {
        Assert.Equal(new PreprocessOptions(), PreprocessOptions.Default);
        Assert.True(PreprocessOptions.Default is { Flatten: true, AutoLevels: true, Denoise: 1, AutoCrop: true, Fit: FitMode.Pad, Invert: false });
        Assert.True(PreprocessOptions.None is { Flatten: false, AutoLevels: false, Denoise: 0, AutoCrop: false, Fit: FitMode.Pad, Invert: false });
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void Valid_options_pass(int denoise) => (PreprocessOptions.Default with { Denoise = denoise }).Validate();

    [Theory]
    [InlineData(-1)]
    [InlineData(4)]
    public void Denoise_out_of_range_is_named(int denoise)
    {
        var error = Assert.Throws<ArgumentException>(() => (PreprocessOptions.Default with { Denoise = denoise }).Validate());

        Assert.StartsWith("denoise must be between 0 and 3", error.Message);
        Assert.Equal("Denoise", error.ParamName);
    }

    [Fact]
    public void Undefined_fit_is_named()
    {
        var error = Assert.Throws<ArgumentException>(() => (PreprocessOptions.Default with { Fit = (FitMode)42 }).Validate());

        Assert.StartsWith("fit must be pad, crop or stretch", error.Message);
    }
}
