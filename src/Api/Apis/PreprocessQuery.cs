using GanService.Domain.Imaging;
using Microsoft.AspNetCore.Mvc;

namespace GanService.Api.Apis;

/// The query of the preview and prepared routes: the training resolution and the clean-up options
/// (see PreprocessOptions). Taken as text and parsed here, so that a bad value gets a 400 that names
/// the parameter and says what is allowed.
public sealed record PreprocessQuery(
    [property: FromQuery(Name = "resolution")] string? Resolution,
    [property: FromQuery(Name = "flatten")] string? Flatten,
    [property: FromQuery(Name = "autoLevels")] string? AutoLevels,
    [property: FromQuery(Name = "denoise")] string? Denoise,
    [property: FromQuery(Name = "autoCrop")] string? AutoCrop,
    [property: FromQuery(Name = "cropToDrawing")] string? CropToDrawing,
    [property: FromQuery(Name = "fit")] string? Fit,
    [property: FromQuery(Name = "invert")] string? Invert)
{
    public const int DefaultResolution = 64;

    public bool TryParse(out int resolution, out PreprocessOptions options, out Dictionary<string, string[]> errors)
    {
        errors = [];
        var defaults = PreprocessOptions.Default;
        resolution = ParseResolution(Resolution, errors);
        options = defaults with
        {
            Flatten = ParseBool("flatten", Flatten, defaults.Flatten, errors),
            AutoLevels = ParseBool("autoLevels", AutoLevels, defaults.AutoLevels, errors),
            Denoise = ParseInt("denoise", Denoise, defaults.Denoise, 0, 3, errors),
            AutoCrop = ParseBool("autoCrop", AutoCrop, defaults.AutoCrop, errors),
            CropToDrawing = ParseBool("cropToDrawing", CropToDrawing, defaults.CropToDrawing, errors),
            Fit = ParseFit(Fit, defaults.Fit, errors),
            Invert = ParseBool("invert", Invert, defaults.Invert, errors),
        };
        return errors.Count == 0;
    }

    private static int ParseResolution(string? text, Dictionary<string, string[]> errors)
    {
        var value = ParseInt("resolution", text, DefaultResolution, 16, 256, errors);
        if (!errors.ContainsKey("resolution") && (value & (value - 1)) != 0)
            errors["resolution"] = [$"resolution must be a power of two from 16 to 256 (16, 32, 64, 128, 256); got {value}."];
        return value;
    }

    internal static int ParseInt(string name, string? text, int fallback, int min, int max, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        if (int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            return value;
        errors[name] = [$"{name} must be a whole number from {min} to {max}; got '{text}'."];
        return fallback;
    }

    private static bool ParseBool(string name, string? text, bool fallback, Dictionary<string, string[]> errors)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case null or "": return fallback;
            case "true" or "1" or "yes" or "on": return true;
            case "false" or "0" or "no" or "off": return false;
            default:
                errors[name] = [$"{name} must be true or false; got '{text}'."];
                return fallback;
        }
    }

    private static FitMode ParseFit(string? text, FitMode fallback, Dictionary<string, string[]> errors)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case null or "": return fallback;
            case "pad": return FitMode.Pad;
            case "crop": return FitMode.Crop;
            case "stretch": return FitMode.Stretch;
            default:
                errors["fit"] = [$"fit must be pad, crop or stretch; got '{text}'."];
                return fallback;
        }
    }
}
