using GanService.Domain.Imaging;

namespace GanService.Worker.Cli;

/// <summary>The command-line face of <see cref="PreprocessOptions"/>, shared by every command that prepares images.</summary>
internal static class CleanupOptions
{
    public static IReadOnlyList<OptionSpec> Specs { get; } =
    [
        OptionSpec.Switch("no-flatten", "keep shadows and paper tint"),
        OptionSpec.Switch("no-auto-levels", "keep the original contrast"),
        OptionSpec.Value("denoise", "N", $"0 (off) .. {PreprocessOptions.MaxDenoise} (strong), default {PreprocessOptions.Default.Denoise}"),
        OptionSpec.Switch("no-auto-crop", "keep the whole picture instead of cropping to the drawing"),
        OptionSpec.Switch("crop-to-drawing", "crop around the drawing even where the picture's frame already fits it"),
        OptionSpec.Value("fit", "pad|crop|stretch", "how a non-square picture becomes square (default pad)"),
        OptionSpec.Switch("invert", "white-on-black output"),
    ];

    public static PreprocessOptions From(CommandArguments arguments) => new()
    {
        Flatten = !arguments.Switch("no-flatten"),
        AutoLevels = !arguments.Switch("no-auto-levels"),
        Denoise = arguments.Integer("denoise", PreprocessOptions.Default.Denoise, 0, PreprocessOptions.MaxDenoise),
        AutoCrop = !arguments.Switch("no-auto-crop"),
        CropToDrawing = arguments.Switch("crop-to-drawing"),
        Fit = arguments.Choice("fit", PreprocessOptions.Default.Fit),
        Invert = arguments.Switch("invert"),
    };
}
