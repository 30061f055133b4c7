using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using GanService.Domain.Gan;

namespace GanService.Api.Generation;

/// <summary>
/// The `label` of generate, interpolate and project for a conditional run: the class index, or the label name the
/// user gave their drawings ("cat"). Names map through the run's <see cref="GanConfig.ClassNames"/>, which the trainer
/// records when it starts. Any JSON value binds, so a bad one gets a 400 that names `label`.
/// </summary>
[JsonConverter(typeof(Converter))]
public readonly record struct LabelSelector(int? Index, string? Name)
{
    public static LabelSelector Parse(string text) =>
        int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var index) ? new(index, null) : new(null, text.Trim());

    /// <summary>The class index for this run, or the reason it has none.</summary>
    public (int? Index, string? Error) Resolve(GanConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (!config.Conditional) return (null, "this run is not conditional (it was not trained with labels)");
        if (Index is { } index)
            return index >= 0 && index < config.NumClasses ? (index, null) : (null, $"must be 0 to {config.NumClasses - 1}{Known(config)}");
        if (config.ClassNames is not { Count: > 0 } names)
            return (null, "label names are known once the run has started training; until then give the class index");
        // The exact name first; else one that differs only in case.
        var (list, name) = (names.ToList(), Name ?? "");
        var found = list.IndexOf(name);
        if (found < 0) found = list.FindIndex(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
        return found >= 0 ? (found, null) : (null, $"no class named '{Name}'{Known(config)}");
    }

    private static string Known(GanConfig config) =>
        config.ClassNames is { Count: > 0 } names ? $"; the classes are {string.Join(", ", names.Select((n, i) => $"{i} = {n}"))}" : "";

    private sealed class Converter : JsonConverter<LabelSelector>
    {
        public override LabelSelector Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType switch
            {
                JsonTokenType.Number when reader.TryGetInt32(out var index) => new LabelSelector(index, null),
                JsonTokenType.String => Parse(reader.GetString()!),
                // -1 is out of every range: the 400 then names `label` and lists the classes.
                _ => SkipInvalid(ref reader),
            };

        private static LabelSelector SkipInvalid(ref Utf8JsonReader reader)
        {
            using var _ = JsonDocument.ParseValue(ref reader);
            return new LabelSelector(-1, null);
        }

        public override void Write(Utf8JsonWriter writer, LabelSelector value, JsonSerializerOptions options)
        {
            if (value.Index is { } index) writer.WriteNumberValue(index);
            else writer.WriteStringValue(value.Name);
        }
    }
}
