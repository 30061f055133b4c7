using System.Globalization;
using System.Text.Json;
using GanService.Domain.Gan;
using GanService.Domain.Gan.FewShot;
using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Worker.Cli;

/// <summary>
/// <c>fewshot-export</c>: for <c>bench/verify_fewshot.sh</c>, writes a few-shot G and D (weights, buffers and spectral-norm
/// vectors), fixed inputs, and what our engine computes from them: G's images in training and eval mode, D's logits
/// and reconstructions, the losses, and one training step's gradients (D's from its loss, G's from its own). A PyTorch
/// copy of the network loads the same tensors and compares (bench/verify_fewshot.py).
/// </summary>
/// <remarks>
/// The step is the trainer's (<see cref="Domain.Gan.Training.GanTrainer"/>) without augmentation and with its random
/// draws made here and exported: the margins of the random hinge, the quadrant, and G's noise (the layers' fixed maps).
/// Noise weights are set away from their initial 0, so the noise paths are compared too.
/// </remarks>
internal sealed class FewShotExportCommand : ICommand
{
    public string Name => "fewshot-export";

    public string Summary => "write a few-shot G and D, inputs and one training step's outputs and gradients as raw tensors";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        OptionSpec.Value("out", "DIR", "folder to write tensors.json and the .f32 files to (required)"),
        OptionSpec.Value("resolution", "N", "32 to 1024 (default 64)"),
        OptionSpec.Value("width", "N", "base width of G and D (default 8)"),
        OptionSpec.Value("channels", "N", "1 or 3 (default 1)"),
        OptionSpec.Value("batch", "N", "batch size (default 4)"),
        OptionSpec.Value("classes", "N", "conditional with N classes (default 0: unconditional)"),
        OptionSpec.Value("reconstruction", "L", "l1 or l1-gradients (default l1)"),
        OptionSpec.Value("seed", "S", "seed of the weights and inputs (default 1)"),
    ];

    public int Run(CommandArguments arguments, TextWriter output, TextWriter error)
    {
        var outDirectory = Path.GetFullPath(arguments.RequiredText("out"));
        var classes = arguments.Integer("classes", 0, 0, 1000);
        var reconstruction = arguments.Text("reconstruction") ?? "l1";
        var config = GanPresets.FewShotConfig with
        {
            Resolution = arguments.Integer("resolution", 64, 32, 1024),
            GeneratorChannels = arguments.Integer("width", 8, 4, 1024),
            DiscriminatorChannels = arguments.Integer("width", 8, 4, 1024),
            Channels = arguments.Integer("channels", 1, 1, 3),
            LatentDim = 64,
            Conditional = classes > 0,
            NumClasses = classes,
            Reconstruction = reconstruction switch
            {
                "l1" => ReconstructionLoss.L1,
                "l1-gradients" => ReconstructionLoss.L1Gradients,
                _ => throw new UsageException($"--reconstruction must be l1 or l1-gradients, got '{reconstruction}'"),
            },
        };
        var errors = config.Validate();
        if (errors.Count > 0)
            throw new UsageException("invalid config: " + string.Join("; ", errors.Select(kv => $"{kv.Key}: {kv.Value}")));
        var batch = arguments.Integer("batch", 4, 2, 64);
        var seed = arguments.Integer("seed", 1, 0, int.MaxValue);
        const long part = 2; // bottom-left

        Directory.CreateDirectory(outDirectory);
        var tensors = new TensorFolder(outDirectory);
        manual_seed(seed);
        using var g = new FewShotGenerator(config);
        using var d = new FewShotDiscriminator(config);
        using (no_grad())
            foreach (var (name, p) in g.named_parameters().Where(p => p.name.EndsWith("noise1.weight", StringComparison.Ordinal) || p.name.EndsWith("noise2.weight", StringComparison.Ordinal)))
                p.copy_(randn(1) * 0.2);
        g.SetNoiseMode(NoiseMode.Constant);
        tensors.AddState("G", g);
        tensors.AddState("D", d);

        using var scope = NewDisposeScope();
        var z = randn(batch, config.LatentDim);
        var real = rand(batch, config.Channels, config.Resolution, config.Resolution) * 2 - 1;
        var labels = config.Conditional ? randint(0, classes, [batch], dtype: ScalarType.Int64) : null;
        tensors.Add("input.z", z);
        tensors.Add("input.real", real);
        if (labels is not null) tensors.Add("input.labels", labels.to(ScalarType.Float32));

        // One training step, in the trainer's order: G forward, D on reals (with decoders) and on detached fakes, D's
        // backward; then D on the fakes again for G's loss and G's backward.
        g.train();
        d.train();
        var fake = g.Generate(z, labels);
        var realOut = d.Run(real, labels, part);
        var reconstructionLoss = d.ReconstructionLoss(real, realOut.Big!, realOut.Small!, realOut.Part!, part);
        var fakeLogits = d.Score(fake.detach(), labels);
        var realMargins = rand(realOut.Logits.shape) * 0.2 + 0.8;
        var fakeMargins = rand(fakeLogits.shape) * 0.2 + 0.8;
        tensors.Add("input.realMargins", realMargins);
        tensors.Add("input.fakeMargins", fakeMargins);
        var lossD = Domain.Gan.Losses.GanLoss.RandomHingeTerms(realOut.Logits, fakeLogits, realMargins, fakeMargins) + reconstructionLoss;
        lossD.backward();
        tensors.AddGradients("D", d);
        d.zero_grad();
        var lossG = Domain.Gan.Losses.GanLoss.RandomHinge.Generator(d.Score(fake, labels));
        lossG.backward();
        tensors.AddGradients("G", g);

        tensors.Add("out.fake", fake.detach());
        tensors.Add("out.realLogits", realOut.Logits.detach());
        tensors.Add("out.fakeLogits", fakeLogits.detach());
        tensors.Add("out.recBig", realOut.Big!.detach());
        tensors.Add("out.recSmall", realOut.Small!.detach());
        tensors.Add("out.recPart", realOut.Part!.detach());
        tensors.Add("out.reconstructionLoss", reconstructionLoss.detach().reshape(1));
        tensors.Add("out.lossD", lossD.detach().reshape(1));
        tensors.Add("out.lossG", lossG.detach().reshape(1));
        g.eval();
        using (no_grad())
            tensors.Add("out.fakeEval", g.Generate(z, labels));

        var configJson = JsonSerializer.Serialize(config, GanPresets.JsonOptions);
        tensors.Write(configJson, part);
        JsonSummary.Write(output, new { outDir = outDirectory, tensors = tensors.Count, resolution = config.Resolution, width = config.GeneratorChannels, channels = config.Channels, classes });
        return 0;
    }

    /// <summary>Raw little-endian float32 files plus tensors.json (name → file and shape).</summary>
    private sealed class TensorFolder(string directory)
    {
        private readonly Dictionary<string, object> _entries = [];

        public int Count => _entries.Count;

        public void AddState(string prefix, nn.Module module)
        {
            foreach (var (name, p) in module.named_parameters())
                Add($"{prefix}.{name}", p);
            foreach (var (name, b) in module.named_buffers())
                Add($"{prefix}.{name}", b);
        }

        public void AddGradients(string prefix, nn.Module module)
        {
            foreach (var (name, p) in module.named_parameters())
                if (p.grad is { } grad)
                    Add($"grad.{prefix}.{name}", grad);
        }

        public void Add(string name, Tensor tensor)
        {
            using var scope = NewDisposeScope();
            var data = tensor.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
            var file = name + ".f32";
            var bytes = new byte[data.Length * sizeof(float)];
            Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
            File.WriteAllBytes(Path.Combine(directory, file), bytes);
            _entries[name] = new { file, shape = tensor.shape };
        }

        public void Write(string configJson, long part) =>
            File.WriteAllText(Path.Combine(directory, "tensors.json"), JsonSerializer.Serialize(new
            {
                config = JsonDocument.Parse(configJson).RootElement,
                part,
                tensors = _entries,
            }, new JsonSerializerOptions { WriteIndented = true }), new System.Text.UTF8Encoding(false));
    }
}
