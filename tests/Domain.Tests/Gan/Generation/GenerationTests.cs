using System.IO.Compression;
using System.Text.Json.Nodes;
using GanService.Domain.Gan;
using GanService.Domain.Gan.Data;
using GanService.Domain.Gan.Generation;
using GanService.Domain.Gan.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Domain.Tests.Gan.Generation;

[Collection(TorchCollection.Name)]
public class GenerationTests
{
    private static readonly GanConfig Tiny = GanPresets.SmallDataConfig with
    {
        Resolution = 16, BatchSize = 8, LatentDim = 16, GeneratorChannels = 8, DiscriminatorChannels = 8,
        Iterations = 100, Seed = 3, Threads = 1,
    };

    private static readonly GanTrainerOptions Options = new() { LogEvery = 1, EvaluationSamples = 16, DiversityPairs = 8, FixedSamples = 4 };

    private static TrainingData Data(int n = 16, long seed = 1)
    {
        using var g = new torch.Generator((ulong)seed);
        return TrainingData.FromTensor(rand([n, 1, 16, 16], generator: g) * 2 - 1);
    }

    private static byte[] Checkpoint(GanConfig config, int iterations = 2)
    {
        using var data = Data();
        using var trainer = new GanTrainer(config, data, options: Options);
        trainer.Train(iterations);
        using var ms = new MemoryStream();
        trainer.SaveCheckpoint(ms);
        return ms.ToArray();
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && eq(a, b).all().ToBoolean();

    /// <summary>A stream that cannot seek, as an S3 response body.</summary>
    private sealed class ForwardOnly(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
        public override long Seek(long offset, SeekOrigin loc) => throw new NotSupportedException();
        public override long Position { get => base.Position; set => throw new NotSupportedException(); }
    }

    [Fact]
    public void The_generator_alone_from_a_checkpoint_samples_as_the_trainer_does_and_skips_the_rest()
    {
        using var data = Data();
        using var trainer = new GanTrainer(Tiny, data, options: Options);
        trainer.Train(3);
        using var ms = new MemoryStream();
        trainer.SaveCheckpoint(ms);
        var bytes = ms.ToArray();

        using var fromSeekable = LoadedGenerator.FromCheckpoint(new MemoryStream(bytes));
        using var fromForwardOnly = LoadedGenerator.FromCheckpoint(new ForwardOnly(bytes));

        Assert.Equal("G_ema", fromSeekable.Module);
        Assert.Equal(3, fromSeekable.Iteration);
        using var expected = trainer.Generate(6, 11);
        using var a = fromSeekable.Generate(6, 11);
        using var b = fromForwardOnly.Generate(6, 11);
        Assert.True(Same(expected, a));
        Assert.True(Same(expected, b));
        // Only the generator was built: its weights are a small part of the checkpoint (D, Adam moments, G and G_ema).
        Assert.InRange(fromSeekable.ParameterBytes, 1, bytes.Length / 3);
    }

    [Fact]
    public void Without_ema_the_generator_is_G()
    {
        using var loaded = LoadedGenerator.FromCheckpoint(new MemoryStream(Checkpoint(Tiny with { EmaDecay = 0 })));
        Assert.Equal("G", loaded.Module);
    }

    [Fact]
    public void A_corrupted_generator_section_is_refused()
    {
        var bytes = Checkpoint(Tiny);
        var header = TrainingCheckpoint.ReadHeader(new MemoryStream(bytes));
        // The payloads follow the header in order; flip a byte inside G_ema's.
        var headerEnd = bytes.Length - header.Sections.Sum(s => s.Length);
        var offset = headerEnd + header.Sections.TakeWhile(s => s.Name != "G_ema").Sum(s => s.Length) + 10;
        bytes[offset] ^= 0xFF;
        var problem = Assert.Throws<InvalidDataException>(() => LoadedGenerator.FromCheckpoint(new MemoryStream(bytes)));
        Assert.Contains("G_ema", problem.Message);
    }

    [Fact]
    public void An_export_rebuilds_the_same_generator_and_says_how()
    {
        var checkpoint = Checkpoint(Tiny);
        using var export = new MemoryStream();
        GeneratorExport.WriteFromCheckpoint(new MemoryStream(checkpoint), export, new JsonObject { ["runName"] = "sketches" });

        using (var zip = new ZipArchive(new MemoryStream(export.ToArray())))
        {
            Assert.Equal(["config.json", "generator.bin"], zip.Entries.Select(e => e.FullName).Order());
            using var json = zip.GetEntry("config.json")!.Open();
            var description = JsonNode.Parse(json)!;
            Assert.Equal("ganservice-generator", (string?)description["format"]);
            Assert.Equal(2, (long?)description["iteration"]);
            Assert.Equal(16, (int?)description["config"]!["latentDim"]);
            Assert.Equal("sketches", (string?)description["about"]!["runName"]);
        }

        using var original = LoadedGenerator.FromCheckpoint(new MemoryStream(checkpoint));
        export.Position = 0;
        using var rebuilt = LoadedGenerator.Load(export); // told apart from a checkpoint by its first bytes
        using var a = original.Generate(4, 5);
        using var b = rebuilt.Generate(4, 5);
        Assert.True(Same(a, b));
        Assert.Equal(original.Config, rebuilt.Config);
    }

    [Fact]
    public void An_export_with_other_weights_than_its_checksum_is_refused()
    {
        using var export = new MemoryStream();
        GeneratorExport.WriteFromCheckpoint(new MemoryStream(Checkpoint(Tiny)), export);
        using var tampered = new MemoryStream();
        using (var source = new ZipArchive(new MemoryStream(export.ToArray())))
        using (var target = new ZipArchive(tampered, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var entry in source.Entries)
            {
                using var input = entry.Open();
                using var copy = new MemoryStream();
                input.CopyTo(copy);
                var bytes = copy.ToArray();
                if (entry.FullName == "generator.bin") bytes[^1] ^= 1;
                using var output = target.CreateEntry(entry.FullName).Open();
                output.Write(bytes);
            }
        }
        tampered.Position = 0;
        Assert.Throws<InvalidDataException>(() => GeneratorExport.Read(tampered));
    }

    [Fact]
    public void Truncation_keeps_latents_inside_the_threshold_and_the_same_seed_gives_the_same_latents()
    {
        var (plain, _) = Latents.Draw(Tiny, 64, 7);
        var (truncated, _) = Latents.Draw(Tiny, 64, 7, truncation: 0.5);
        var (again, _) = Latents.Draw(Tiny, 64, 7, truncation: 0.5);

        Assert.True(plain.abs().max().item<float>() > 0.5f);
        Assert.True(truncated.abs().max().item<float>() <= 0.5f);
        Assert.True(Same(truncated, again));
        // Entries already inside are kept: truncation changes the outliers, not the whole draw.
        var inside = plain.abs() <= 0.5;
        Assert.True(Same(truncated.masked_select(inside), plain.masked_select(inside)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Latents.Draw(Tiny, 1, 7, truncation: 0));
    }

    [Fact]
    public void Labels_are_fixed_when_given_and_refused_for_an_unconditional_generator()
    {
        var conditional = Tiny with { Conditional = true, NumClasses = 3 };
        var (_, labels) = Latents.Draw(conditional, 5, 1, label: 2);
        Assert.Equal(new long[] { 2, 2, 2, 2, 2 }, labels!.data<long>().ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => Latents.Draw(conditional, 5, 1, label: 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Latents.Draw(Tiny, 5, 1, label: 0));
    }

    [Fact]
    public void Slerp_starts_and_ends_at_the_two_latents_and_stays_on_the_sphere_between_them()
    {
        var (z, _) = Latents.Draw(Tiny with { LatentDim = 512 }, 2, 3);
        var path = Latents.Slerp(z[0], z[1], 9);

        Assert.Equal(new long[] { 9, 512 }, path.shape);
        Assert.True(allclose(path[0], z[0], atol: 1e-5));
        Assert.True(allclose(path[8], z[1], atol: 1e-5));
        // High-dimensional Gaussian latents have nearly equal norms and are nearly orthogonal: the great-circle path
        // keeps that norm, where the straight line would dip to about 1/sqrt(2) of it in the middle.
        var norms = path.norm(1).data<float>().ToArray();
        var ends = (norms[0] + norms[8]) / 2;
        Assert.All(norms, n => Assert.InRange(n / ends, 0.93, 1.07));
        var straightMiddle = ((z[0] + z[1]) / 2).norm().item<float>();
        Assert.True(straightMiddle / ends < 0.8);
    }
}
