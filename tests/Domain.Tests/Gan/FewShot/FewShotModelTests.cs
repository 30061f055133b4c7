using GanService.Domain.Gan;
using GanService.Domain.Gan.Augmentation;
using GanService.Domain.Gan.FewShot;
using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Domain.Tests.Gan.FewShot;

[Collection(TorchCollection.Name)]
public class FewShotModelTests
{
    internal static GanConfig Narrow(int resolution, int channels = 1, int width = 8, bool conditional = false) =>
        GanPresets.FewShotConfig with
        {
            Resolution = resolution, Channels = channels, GeneratorChannels = width, DiscriminatorChannels = width,
            LatentDim = 32, Conditional = conditional, NumClasses = conditional ? 3 : 0,
        };

    public static TheoryData<int, int> ResolutionsAndChannels()
    {
        var data = new TheoryData<int, int>();
        foreach (var r in new[] { 32, 64, 128, 256, 512 })
            foreach (var c in new[] { 1, 3 })
                data.Add(r, c);
        data.Add(1024, 3);
        return data;
    }

    [Theory]
    [MemberData(nameof(ResolutionsAndChannels))]
    public void Shapes_at_every_resolution_and_channel_count(int resolution, int channels)
    {
        using var scope = NewDisposeScope();
        var config = Narrow(resolution, channels);
        using var g = (FewShotGenerator)GanModels.CreateGenerator(config);
        using var d = (FewShotDiscriminator)GanModels.CreateDiscriminator(config);
        var images = g.Generate(randn(2, config.LatentDim));
        Assert.Equal(new long[] { 2, channels, resolution, resolution }, images.shape);
        var outputs = d.Run(images, null, part: 3);
        Assert.Equal(new long[] { 2 * 25 * 2 }, outputs.Logits.shape); // two 5x5 maps a sample
        var decoded = Math.Min(resolution / 2, 128);
        foreach (var rebuilt in new[] { outputs.Big!, outputs.Small!, outputs.Part! })
            Assert.Equal(new long[] { 2, channels, decoded, decoded }, rebuilt.shape);
        using var random = new Generator(1);
        var (logits, reconstruction) = d.ScoreReal(images, null, random);
        Assert.Equal(outputs.Logits.shape, logits.shape);
        Assert.True(double.IsFinite(reconstruction.ToDouble()) && reconstruction.ToDouble() > 0);
    }

    [Fact]
    public void Generator_follows_fastgan_widths_excitation_and_double_blocks()
    {
        var config = Narrow(256) with { GeneratorChannels = 64, DiscriminatorChannels = 64, LatentDim = 256 };
        using var g = new FewShotGenerator(config);
        var shapes = g.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        Assert.Equal(new long[] { 2048, 256, 4, 4 }, shapes["project.weight"]);   // ConvT(256, 16*64*2, 4) on 1x1
        Assert.Equal(new long[] { 1024, 1024, 3, 3 }, shapes["ups.0.conv1.weight"]); // 8x8: 16ngf → 2*8ngf
        Assert.Equal(new long[] { 1024, 512, 3, 3 }, shapes["ups.0.conv2.weight"]);  // a double block repeats
        Assert.DoesNotContain("ups.1.conv2.weight", shapes.Keys);                     // 16x16 is a plain block
        Assert.Contains("ups.2.conv2.weight", shapes.Keys);                           // 32x32 double
        Assert.Contains("ups.4.conv2.weight", shapes.Keys);                           // 128x128 double
        Assert.Equal(new long[] { 128, 1024 * 16 }, shapes["excitations.0.squeeze.weight"]);  // from 4x4 (16ngf) onto 64 (2ngf)
        Assert.Equal(new long[] { 64, 512 * 16 }, shapes["excitations.1.squeeze.weight"]);   // from 8 onto 128 (ngf)
        Assert.Equal(new long[] { 32, 256 * 16 }, shapes["excitations.2.squeeze.weight"]);   // from 16 onto 256 (ngf/2)
        Assert.Equal(new long[] { 1, 32, 3, 3 }, shapes["toImage.weight"]);
        Assert.Equal(6, g.Noises.Count()); // two per double block at 8, 32, 128
    }

    [Fact]
    public void Discriminator_follows_fastgan_widths_heads_and_decoders()
    {
        var config = Narrow(256) with { GeneratorChannels = 64, DiscriminatorChannels = 64 };
        using var d = new FewShotDiscriminator(config);
        var shapes = d.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        Assert.Equal(new long[] { 16, 1, 3, 3 }, shapes["stem.0.weight"]);          // 256: 3x3 to ndf/4
        Assert.Equal(new long[] { 512, 256, 4, 4 }, shapes["downs.4.down.weight"]); // 16 → 8: 4ndf → 8ndf
        Assert.Equal(new long[] { 512, 256, 1, 1 }, shapes["downs.4.skip.weight"]);
        Assert.Equal(new long[] { 128, 16 * 16 }, shapes["excitations.0.squeeze.weight"]);  // 256 (ndf/4) onto 32 (2ndf)
        Assert.Equal(new long[] { 512, 64 * 16 }, shapes["excitations.2.squeeze.weight"]);   // 64 (ndf) onto 8 (8ndf)
        Assert.Equal(new long[] { 1024, 512, 1, 1 }, shapes["headHidden.weight"]);
        Assert.Equal(new long[] { 1, 1024, 4, 4 }, shapes["head.weight"]);
        Assert.Equal(new long[] { 32, 1, 4, 4 }, shapes["smallStem.weight"]);       // 128 → 64 at ndf/2
        Assert.Equal(new long[] { 1, 256, 4, 4 }, shapes["smallHead.weight"]);
        Assert.Equal(new long[] { 256, 512, 3, 3 }, shapes["decoderBig.ups.0.conv1.weight"]); // base 32 x 4, GLU doubles
        Assert.Equal(new long[] { 1, 32, 3, 3 }, shapes["decoderBig.toImage.weight"]);
        Assert.Equal(128, d.DecodedSize);
    }

    [Fact]
    public void Quadrants_follow_crop_image_by_part()
    {
        using var x = arange(16f).view(1, 1, 4, 4);
        Assert.Equal(new[] { 0f, 1, 4, 5 }, FewShotDiscriminator.Quadrant(x, 0).flatten().data<float>().ToArray());
        Assert.Equal(new[] { 2f, 3, 6, 7 }, FewShotDiscriminator.Quadrant(x, 1).flatten().data<float>().ToArray());
        Assert.Equal(new[] { 8f, 9, 12, 13 }, FewShotDiscriminator.Quadrant(x, 2).flatten().data<float>().ToArray());
        Assert.Equal(new[] { 10f, 11, 14, 15 }, FewShotDiscriminator.Quadrant(x, 3).flatten().data<float>().ToArray());
    }

    [Theory]
    [InlineData(ReconstructionLoss.L1)]
    [InlineData(ReconstructionLoss.L1Gradients)]
    public void The_decoders_loss_falls_on_a_fixed_batch(ReconstructionLoss loss)
    {
        manual_seed(5);
        var config = Narrow(32) with { Reconstruction = loss };
        using var d = new FewShotDiscriminator(config);
        using var images = (rand(4, 1, 32, 32) * 2 - 1).DetachFromDisposeScope();
        using var optimizer = optim.Adam(d.parameters(), 2e-3);
        double first = 0, last = 0;
        for (var step = 0; step < 40; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var o = d.Run(images, null, part: step % 4);
            var reconstruction = d.ReconstructionLoss(images, o.Big!, o.Small!, o.Part!, step % 4);
            reconstruction.backward();
            optimizer.step();
            if (step == 0) first = reconstruction.ToDouble();
            last = reconstruction.ToDouble();
        }
        Assert.True(last < 0.7 * first, $"reconstruction {first:0.000} → {last:0.000}");
    }

    [Fact]
    public void Gradients_reach_the_generator_through_augmentation_and_excitation()
    {
        manual_seed(6);
        var config = Narrow(64) with { Conditional = true, NumClasses = 3 };
        using var g = new FewShotGenerator(config);
        using var d = new FewShotDiscriminator(config);
        using var random = new Generator(2);
        g.UseRandom(random);
        using var labels = tensor(new long[] { 0, 1, 2, 1 });
        var augment = new DiffAugment(DiffAugment.ColorTranslation);
        var fake = g.Generate(randn(4, config.LatentDim), labels);
        var logits = d.Score(augment.Apply(fake, 1.0, random), labels);
        (-logits.mean()).backward();
        var grads = g.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad);
        foreach (var name in new[] { "project.weight", "excitations.0.squeeze.weight", "excitations.0.excite.weight", "ups.0.conv1.weight", "labelEmbedding.weight", "toImage.weight" })
        {
            var grad = grads[name];
            Assert.True(grad is not null, $"no gradient for {name}");
            Assert.True(isfinite(grad!).all().ToBoolean(), $"non-finite gradient for {name}");
            Assert.True(grad!.abs().sum().ToDouble() > 0, $"zero gradient for {name}");
        }
    }

    [Fact]
    public void Sampling_uses_the_fixed_noise_so_an_image_depends_only_on_its_latent()
    {
        manual_seed(7);
        var config = Narrow(32);
        using var g = new FewShotGenerator(config);
        using (no_grad())
            foreach (var (name, p) in g.named_parameters().Where(p => p.name.Contains("noise")))
                p.fill_(0.5); // make the noise matter
        g.eval();
        using var z = randn(3, config.LatentDim);
        using var together = g.Generate(z);
        using var alone = g.Generate(z.narrow(0, 2, 1));
        Assert.True(allclose(together.narrow(0, 2, 1), alone, rtol: 1e-5, atol: 1e-6));
        g.train();
        using var a = g.Generate(z);
        using var b = g.Generate(z);
        Assert.False(allclose(a, b), "training mode draws fresh noise");
    }
}
