using System.Text.Json;

namespace GanService.Worker.Cli;

/// <summary>The machine-readable last line every command ends with.</summary>
internal static class JsonSummary
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static void Write(TextWriter output, object figures) => output.WriteLine(JsonSerializer.Serialize(figures, Options));
}
