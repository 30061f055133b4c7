using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GanService.Domain.Gan.Training;

/// <summary>
/// The full state of a training run, as named parts, for <see cref="TrainingCheckpoint.Write"/> and
/// <see cref="TrainingCheckpoint.Read"/>. Reading loads into the objects registered here (construct the models,
/// optimisers and generators from <see cref="ConfigJson"/> first, e.g. after <see cref="TrainingCheckpoint.ReadHeader"/>),
/// so the same instance describes what to write and where to read to. Suggested names: modules "G", "D", "G_ema";
/// optimizers "G", "D"; generators "train"; states "ada", "ema", "random".
/// </summary>
public sealed class CheckpointContent
{
    /// <summary>The run configuration as a JSON document (stored verbatim in the header).</summary>
    public string ConfigJson { get; set; } = "{}";

    /// <summary>Iterations done.</summary>
    public long Iteration { get; set; }

    /// <summary>Modules: state dicts (parameters and buffers) via Module.save / Module.load (strict).</summary>
    public IDictionary<string, nn.Module> Modules { get; } = new SortedDictionary<string, nn.Module>(StringComparer.Ordinal);

    /// <summary>
    /// Optimisers: TorchSharp's own state format (per group lr/betas/eps/...; per parameter step, exp_avg,
    /// exp_avg_sq for Adam). The optimiser must be built over the same parameters, in the same order.
    /// </summary>
    public IDictionary<string, OptimizerHelper> Optimizers { get; } = new SortedDictionary<string, OptimizerHelper>(StringComparer.Ordinal);

    /// <summary>torch generators (get_state / set_state).</summary>
    public IDictionary<string, Generator> Generators { get; } = new SortedDictionary<string, Generator>(StringComparer.Ordinal);

    /// <summary>Whether to include torch's default CPU generator (torch.get_rng_state / set_rng_state).</summary>
    public bool IncludeDefaultGenerator { get; set; } = true;

    /// <summary>Anything else: ADA state, EMA step count, host RNG, counters.</summary>
    public IDictionary<string, ICheckpointable> States { get; } = new SortedDictionary<string, ICheckpointable>(StringComparer.Ordinal);
}

/// <summary>A section of a checkpoint as listed in its header.</summary>
public sealed record CheckpointSection(string Kind, string Name, long Length, string Sha256);

/// <summary>The JSON header of a checkpoint.</summary>
public sealed record CheckpointHeader(int Version, long Iteration, string ConfigJson, IReadOnlyList<CheckpointSection> Sections);

/// <summary>
/// Single-stream checkpoint of a whole GAN run. Layout: the 8 magic bytes "GANCKPT\0", an int32 (little endian)
/// length, a UTF-8 JSON header <c>{"format":"ganservice-checkpoint","version":1,"iteration":..,"config":{..},
/// "sections":[{"kind","name","length","sha256"}]}</c>, then the section payloads in header order. Kinds:
/// "module" (Module.save), "optimizer" (OptimizerHelper.save_state_dict), "generator" (raw bytes of
/// Generator.get_state()), "default_generator" (torch.get_rng_state()), "state" (<see cref="ICheckpointable"/>).
/// Every payload carries a SHA-256, checked on read. The CUDA generators are not included.
/// </summary>
public static class TrainingCheckpoint
{
    public const int Version = 1;
    private const string FormatName = "ganservice-checkpoint";
    private static readonly byte[] Magic = "GANCKPT\0"u8.ToArray();
    private const int MaxHeaderBytes = 16 << 20;

    public static void Write(Stream stream, CheckpointContent content)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(content);
        JsonNode config;
        try { config = JsonNode.Parse(content.ConfigJson) ?? throw new ArgumentException("ConfigJson is null JSON."); }
        catch (JsonException e) { throw new ArgumentException("ConfigJson is not valid JSON.", nameof(content), e); }

        var payloads = new List<(CheckpointSection Section, byte[] Bytes)>();
        void Add(string kind, string name, Action<BinaryWriter> write)
        {
            using var ms = new MemoryStream();
            using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
            {
                write(w);
                w.Flush();
            }
            var bytes = ms.ToArray();
            payloads.Add((new CheckpointSection(kind, name, bytes.Length, Convert.ToHexStringLower(SHA256.HashData(bytes))), bytes));
        }

        foreach (var (name, module) in content.Modules) Add("module", name, w => module.save(w));
        foreach (var (name, opt) in content.Optimizers) Add("optimizer", name, w => opt.save_state_dict(w));
        foreach (var (name, gen) in content.Generators) Add("generator", name, w => WriteGeneratorState(w, gen.get_state()));
        if (content.IncludeDefaultGenerator) Add("default_generator", "default", w => WriteGeneratorState(w, torch.get_rng_state()));
        foreach (var (name, state) in content.States) Add("state", name, state.Save);

        var header = new JsonObject
        {
            ["format"] = FormatName,
            ["version"] = Version,
            ["iteration"] = content.Iteration,
            ["config"] = config,
            ["sections"] = new JsonArray(payloads.Select(p => (JsonNode)new JsonObject
            {
                ["kind"] = p.Section.Kind,
                ["name"] = p.Section.Name,
                ["length"] = p.Section.Length,
                ["sha256"] = p.Section.Sha256,
            }).ToArray()),
        };
        var headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        stream.Write(Magic);
        Span<byte> len = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(len, headerBytes.Length);
        stream.Write(len);
        stream.Write(headerBytes);
        foreach (var (_, bytes) in payloads) stream.Write(bytes);
        stream.Flush();
    }

    /// <summary>Reads only the header (the stream is left at the first payload).</summary>
    public static CheckpointHeader ReadHeader(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var magic = ReadExactly(stream, Magic.Length);
        if (!magic.AsSpan().SequenceEqual(Magic)) throw new InvalidDataException("Not a GanService checkpoint (bad magic).");
        var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(ReadExactly(stream, 4));
        if (length <= 0 || length > MaxHeaderBytes) throw new InvalidDataException($"Bad checkpoint header length {length}.");
        var json = JsonNode.Parse(ReadExactly(stream, length)) as JsonObject ?? throw new InvalidDataException("Bad checkpoint header.");
        if ((string?)json["format"] != FormatName) throw new InvalidDataException("Not a GanService checkpoint (format).");
        var version = (int?)json["version"] ?? 0;
        if (version != Version) throw new InvalidDataException($"Unsupported checkpoint version {version}.");
        var sections = (json["sections"] as JsonArray ?? throw new InvalidDataException("Checkpoint header has no sections."))
            .Select(s => s ?? throw new InvalidDataException("Null section."))
            .Select(s => new CheckpointSection(
                (string?)s["kind"] ?? throw new InvalidDataException("Section without kind."),
                (string?)s["name"] ?? throw new InvalidDataException("Section without name."),
                (long?)s["length"] ?? throw new InvalidDataException("Section without length."),
                (string?)s["sha256"] ?? throw new InvalidDataException("Section without sha256.")))
            .ToList();
        return new CheckpointHeader(version, (long?)json["iteration"] ?? 0, json["config"]?.ToJsonString() ?? "{}", sections);
    }

    /// <summary>
    /// Reads a checkpoint into the objects registered in <paramref name="into"/> and sets its Iteration and
    /// ConfigJson. Strict: the sections must match the registered parts one to one (except that a
    /// default_generator section is skipped when IncludeDefaultGenerator is false).
    /// </summary>
    public static CheckpointHeader Read(Stream stream, CheckpointContent into)
    {
        ArgumentNullException.ThrowIfNull(into);
        var header = ReadHeader(stream);
        var expected = new HashSet<(string, string)>(
            into.Modules.Keys.Select(k => ("module", k))
                .Concat(into.Optimizers.Keys.Select(k => ("optimizer", k)))
                .Concat(into.Generators.Keys.Select(k => ("generator", k)))
                .Concat(into.States.Keys.Select(k => ("state", k))));
        var found = header.Sections.Where(s => s.Kind != "default_generator").Select(s => (s.Kind, s.Name)).ToHashSet();
        if (!expected.SetEquals(found))
        {
            string List(IEnumerable<(string, string)> xs) => string.Join(", ", xs.Select(x => $"{x.Item1} '{x.Item2}'"));
            throw new InvalidDataException(
                $"Checkpoint sections do not match: missing {List(expected.Except(found))}; unexpected {List(found.Except(expected))}.");
        }

        foreach (var section in header.Sections)
        {
            if (section.Length < 0 || section.Length > int.MaxValue) throw new InvalidDataException($"Bad length of {section.Kind} '{section.Name}'.");
            var bytes = ReadExactly(stream, (int)section.Length);
            if (Convert.ToHexStringLower(SHA256.HashData(bytes)) != section.Sha256)
                throw new InvalidDataException($"Checksum mismatch in {section.Kind} '{section.Name}'.");
            using var ms = new MemoryStream(bytes, writable: false);
            using var r = new BinaryReader(ms, Encoding.UTF8);
            switch (section.Kind)
            {
                case "module": into.Modules[section.Name].load(r, strict: true); break;
                case "optimizer": into.Optimizers[section.Name].load_state_dict(r); break;
                case "generator":
                    using (var state = ReadGeneratorState(r)) into.Generators[section.Name].set_state(state);
                    break;
                case "default_generator":
                    if (into.IncludeDefaultGenerator)
                        using (var state = ReadGeneratorState(r)) torch.set_rng_state(state);
                    break;
                case "state": into.States[section.Name].Load(r); break;
                default: throw new InvalidDataException($"Unknown section kind '{section.Kind}'.");
            }
            if (ms.Position != ms.Length && section.Kind != "default_generator")
                throw new InvalidDataException($"{section.Kind} '{section.Name}' was not read to its end.");
        }
        into.Iteration = header.Iteration;
        into.ConfigJson = header.ConfigJson;
        return header;
    }

    /// <summary>
    /// The payload of one section, checked against its SHA-256, skipping the sections before it. The stream must be
    /// just past the header (where <see cref="ReadHeader"/> leaves it); it need not be seekable (an S3 body is not).
    /// Generation uses this to read only the generator of a checkpoint, not D, the optimisers or the random state.
    /// </summary>
    public static byte[] ReadSection(Stream stream, CheckpointHeader header, string kind, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(header);
        foreach (var section in header.Sections)
        {
            if (section.Length < 0 || section.Length > int.MaxValue) throw new InvalidDataException($"Bad length of {section.Kind} '{section.Name}'.");
            if (section.Kind != kind || section.Name != name)
            {
                Skip(stream, section.Length);
                continue;
            }
            var bytes = ReadExactly(stream, (int)section.Length);
            if (Convert.ToHexStringLower(SHA256.HashData(bytes)) != section.Sha256)
                throw new InvalidDataException($"Checksum mismatch in {section.Kind} '{section.Name}'.");
            return bytes;
        }
        throw new InvalidDataException($"The checkpoint has no {kind} '{name}'.");
    }

    private static void Skip(Stream stream, long count)
    {
        if (stream.CanSeek)
        {
            stream.Seek(count, SeekOrigin.Current);
            return;
        }
        var buffer = new byte[Math.Min(count, 81920)];
        while (count > 0)
        {
            var read = stream.Read(buffer, 0, (int)Math.Min(count, buffer.Length));
            if (read == 0) throw new EndOfStreamException();
            count -= read;
        }
    }

    private static void WriteGeneratorState(BinaryWriter w, Tensor state)
    {
        using (state)
        {
            var bytes = state.to(ScalarType.Byte).cpu().data<byte>().ToArray();
            w.Write(bytes.Length);
            w.Write(bytes);
        }
    }

    private static Tensor ReadGeneratorState(BinaryReader r)
    {
        var length = r.ReadInt32();
        if (length < 0) throw new InvalidDataException("Bad generator state length.");
        var bytes = r.ReadBytes(length);
        if (bytes.Length != length) throw new EndOfStreamException();
        return torch.tensor(bytes, dtype: ScalarType.Byte);
    }

    private static byte[] ReadExactly(Stream stream, int count)
    {
        var buffer = new byte[count];
        stream.ReadExactly(buffer);
        return buffer;
    }
}
