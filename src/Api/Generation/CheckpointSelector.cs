using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using GanService.Domain.Data;

namespace GanService.Api.Generation;

/// <summary>
/// The `iteration` of generate, interpolate and export: a kept checkpoint's iteration, <c>"latest"</c> or
/// <c>"best"</c>. Any JSON value binds (an unusable one is kept as <see cref="Invalid"/>), so a bad value gets a 400
/// that names the field instead of a body that fails to bind.
/// </summary>
[JsonConverter(typeof(Converter))]
public readonly record struct CheckpointSelector
{
    public const string LatestWord = "latest", BestWord = "best";

    public static readonly string Expected = $"a kept checkpoint's iteration (a whole number), \"{LatestWord}\" or \"{BestWord}\"";

    /// <summary>What the OpenAPI document says of the field and the query parameter.</summary>
    public static readonly string Description =
        $"The checkpoint: {Expected}. Without it, a run that has ended uses its best (else its latest), a running one its latest.";

    private CheckpointSelector(long? iteration, string? word, string? invalid) => (Iteration, Word, Invalid) = (iteration, word, invalid);

    /// <summary>The iteration asked for by number.</summary>
    public long? Iteration { get; }

    /// <summary><see cref="LatestWord"/> or <see cref="BestWord"/>.</summary>
    public string? Word { get; }

    /// <summary>What was sent, when it is none of the above.</summary>
    public string? Invalid { get; }

    public static CheckpointSelector Latest { get; } = new(null, LatestWord, null);

    public static CheckpointSelector Best { get; } = new(null, BestWord, null);

    public static CheckpointSelector Number(long iteration) => new(iteration, null, null);

    /// <summary>Text from a query string or a JSON string: a number, "latest" or "best" (any case); anything else is kept as invalid.</summary>
    public static CheckpointSelector Parse(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.Equals(LatestWord, StringComparison.OrdinalIgnoreCase)) return Latest;
        if (trimmed.Equals(BestWord, StringComparison.OrdinalIgnoreCase)) return Best;
        return long.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out var iteration)
            ? Number(iteration)
            : new CheckpointSelector(null, null, text);
    }

    /// <summary>
    /// What a request without `iteration` uses: a run that has ended (completed, cancelled or failed) its best, which
    /// <paramref name="hasKeptBest"/> says is there (else its latest); a run still training or waiting its latest, since
    /// its best may be beaten a minute later.
    /// </summary>
    public static CheckpointSelector DefaultFor(Run run, bool hasKeptBest) =>
        run.Status.IsTerminal() && hasKeptBest ? Best : Latest;

    public override string ToString() => Iteration?.ToString(CultureInfo.InvariantCulture) ?? Word ?? Invalid ?? "";

    private sealed class Converter : JsonConverter<CheckpointSelector>
    {
        public override CheckpointSelector Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.Number:
                    return reader.TryGetInt64(out var iteration) && iteration >= 0
                        ? Number(iteration)
                        : new CheckpointSelector(null, null, RawText(ref reader));
                case JsonTokenType.String:
                    return Parse(reader.GetString()!);
                default:
                    using (var value = JsonDocument.ParseValue(ref reader)) // skips objects and arrays whole
                        return new CheckpointSelector(null, null, value.RootElement.GetRawText());
            }
        }

        private static string RawText(ref Utf8JsonReader reader) => System.Text.Encoding.UTF8.GetString(reader.ValueSpan);

        public override void Write(Utf8JsonWriter writer, CheckpointSelector value, JsonSerializerOptions options)
        {
            if (value.Iteration is { } iteration) writer.WriteNumberValue(iteration);
            else writer.WriteStringValue(value.ToString());
        }
    }
}
