using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanService.Domain.Gan.Training;
using static TorchSharp.torch;

namespace GanService.Domain.Gan.Generation;

/// <summary>
/// A generator on its own, for use outside the service: a zip with <c>generator.bin</c> (the weights, TorchSharp's
/// Module.save state-dict format) and <c>config.json</c> (<c>format</c>, <c>version</c>, <c>iteration</c>, the
/// <c>config</c> that rebuilds the network, which <c>module</c> it is, and the weights' SHA-256). The Worker's
/// <c>generate --checkpoint</c> accepts it as it accepts a checkpoint.
/// </summary>
public static class GeneratorExport
{
    public const string FormatName = "ganservice-generator";
    public const int Version = 1;
    public const string WeightsEntry = "generator.bin";
    public const string ConfigEntry = "config.json";

    /// <summary>Writes the export of a checkpoint's sampling generator, copying its weights without building the network.</summary>
    public static void WriteFromCheckpoint(Stream checkpoint, Stream output, JsonObject? about = null)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var header = TrainingCheckpoint.ReadHeader(checkpoint);
        var module = LoadedGenerator.SamplingModule(header);
        var weights = TrainingCheckpoint.ReadSection(checkpoint, header, "module", module);
        Write(output, JsonNode.Parse(header.ConfigJson)!.AsObject(), header.Iteration, module, weights, about);
    }

    private static void Write(Stream output, JsonObject config, long iteration, string module, byte[] weights, JsonObject? about)
    {
        var description = new JsonObject
        {
            ["format"] = FormatName,
            ["version"] = Version,
            ["iteration"] = iteration,
            ["module"] = module,
            ["weights"] = WeightsEntry,
            ["weightsFormat"] = "TorchSharp Module.save (state dict)",
            ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(weights)),
            ["config"] = config.DeepClone(),
        };
        if (about is not null) description["about"] = about.DeepClone();
        using var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
        var json = zip.CreateEntry(ConfigEntry, CompressionLevel.Optimal);
        using (var stream = json.Open())
            JsonSerializer.Serialize(stream, description, new JsonSerializerOptions { WriteIndented = true });
        var bin = zip.CreateEntry(WeightsEntry, CompressionLevel.Fastest);
        using (var stream = bin.Open())
            stream.Write(weights);
    }

    /// <summary>Loads an export (checks its format, version and the weights' SHA-256).</summary>
    public static LoadedGenerator Read(Stream input, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var zip = new ZipArchive(input, ZipArchiveMode.Read, leaveOpen: true);
        var configEntry = zip.GetEntry(ConfigEntry) ?? throw new InvalidDataException($"Not a generator export: no {ConfigEntry}.");
        var weightsEntry = zip.GetEntry(WeightsEntry) ?? throw new InvalidDataException($"Not a generator export: no {WeightsEntry}.");
        if (configEntry.Length > 1 << 20 || weightsEntry.Length > 2L << 30) throw new InvalidDataException("Generator export entries are too large.");
        JsonObject description;
        using (var stream = configEntry.Open())
            description = JsonNode.Parse(stream) as JsonObject ?? throw new InvalidDataException($"{ConfigEntry} is not a JSON object.");
        if ((string?)description["format"] != FormatName) throw new InvalidDataException($"{ConfigEntry}: format is not '{FormatName}'.");
        if ((int?)description["version"] != Version) throw new InvalidDataException($"{ConfigEntry}: unsupported version {description["version"]}.");
        byte[] weights;
        using (var stream = weightsEntry.Open())
        using (var copy = new MemoryStream())
        {
            stream.CopyTo(copy);
            weights = copy.ToArray();
        }
        if (Convert.ToHexStringLower(SHA256.HashData(weights)) != (string?)description["sha256"])
            throw new InvalidDataException($"{WeightsEntry} does not match the SHA-256 in {ConfigEntry}.");
        var config = GanTrainer.ReadConfig(description["config"]?.ToJsonString() ?? throw new InvalidDataException($"{ConfigEntry} has no config."));
        return LoadedGenerator.FromWeights(config, (long?)description["iteration"] ?? 0, (string?)description["module"] ?? "G", weights, device);
    }

    /// <summary>Whether the first bytes are a zip's local file header ("PK\x03\x04"), as an export's are.</summary>
    public static bool IsZip(ReadOnlySpan<byte> firstBytes) =>
        firstBytes.Length >= 4 && firstBytes[0] == (byte)'P' && firstBytes[1] == (byte)'K' && firstBytes[2] == 3 && firstBytes[3] == 4;
}
