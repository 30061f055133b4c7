using System.Text.Json;
using GanService.Domain.Gan.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Domain.Gan.Generation;

/// <summary>
/// A generator ready to sample: the EMA generator of a run when it has one, else G, in eval mode. Loaded from a
/// training checkpoint (only that module's section is read) or from a generator export. Thread-safe for concurrent
/// <see cref="Generate"/> calls (eval mode, no gradients, no state changed).
/// </summary>
public sealed class LoadedGenerator : IDisposable
{
    private LoadedGenerator(IGanGenerator generator, GanConfig config, long iteration, string module, Device device)
    {
        Generator = generator;
        Config = config;
        Iteration = iteration;
        Module = module;
        Device = device;
        generator.Module.eval();
        ParameterBytes = generator.Module.parameters().Sum(p => p.numel() * p.element_size());
    }

    public IGanGenerator Generator { get; }
    public GanConfig Config { get; }
    public long Iteration { get; }

    /// <summary>"G_ema" or "G": which of the run's generators this is.</summary>
    public string Module { get; }

    public Device Device { get; }

    /// <summary>Bytes of the weights, for cache sizing and reports.</summary>
    public long ParameterBytes { get; }

    /// <summary>Images (count, channels, R, R) in [-1, 1] on the CPU; the same arguments give the same images.</summary>
    public Tensor Generate(int count, long seed, int? label = null, double? truncation = null) =>
        GanTrainer.GenerateImages(Generator, count, seed, Device, label, truncation);

    /// <summary>Images from given latents (B, latentDim) and, for a conditional generator, labels (B).</summary>
    public Tensor GenerateFrom(Tensor z, Tensor? labels = null)
    {
        using var scope = NewDisposeScope();
        return GanTrainer.Sample(Generator, z.to(Device), labels?.to(Device)).MoveToOuterDisposeScope();
    }

    /// <summary>A training checkpoint or a generator export (told apart by their first bytes).</summary>
    public static LoadedGenerator Load(Stream stream, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek)
        {
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            copy.Position = 0;
            stream = copy;
        }
        var start = stream.Position;
        Span<byte> magic = stackalloc byte[4];
        var read = stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
        stream.Position = start;
        return read == 4 && GeneratorExport.IsZip(magic) ? GeneratorExport.Read(stream, device) : FromCheckpoint(stream, device);
    }

    /// <summary>Reads the header and the sampling generator's section of a training checkpoint, skipping the rest.</summary>
    public static LoadedGenerator FromCheckpoint(Stream stream, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var header = TrainingCheckpoint.ReadHeader(stream);
        var module = SamplingModule(header);
        var weights = TrainingCheckpoint.ReadSection(stream, header, "module", module);
        return FromWeights(GanTrainer.ReadConfig(header.ConfigJson), header.Iteration, module, weights, device);
    }

    /// <summary>The checkpoint section generation uses: the EMA generator when the run kept one.</summary>
    public static string SamplingModule(CheckpointHeader header) =>
        header.Sections.Any(s => s is { Kind: "module", Name: "G_ema" }) ? "G_ema" : "G";

    /// <summary>A generator built from its config and loaded (strictly) from Module.save bytes.</summary>
    internal static LoadedGenerator FromWeights(GanConfig config, long iteration, string module, byte[] weights, Device? device)
    {
        var target = device ?? CPU;
        var generator = GanModels.CreateGenerator(config);
        try
        {
            using (var reader = new BinaryReader(new MemoryStream(weights, writable: false)))
                generator.Module.load(reader, strict: true);
            generator.Module.to(target);
            return new LoadedGenerator(generator, config, iteration, module, target);
        }
        catch
        {
            generator.Dispose();
            throw;
        }
    }

    /// <summary>The config as JSON (camelCase, as in the run's config).</summary>
    public string ConfigJson => JsonSerializer.Serialize(Config, GanPresets.JsonOptions);

    public void Dispose() => Generator.Dispose();
}
