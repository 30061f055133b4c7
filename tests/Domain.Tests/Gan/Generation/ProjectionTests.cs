using GanService.Domain.Gan;
using GanService.Domain.Gan.Data;
using GanService.Domain.Gan.Generation;
using GanService.Domain.Gan.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Domain.Tests.Gan.Generation;

[Collection(TorchCollection.Name)]
public class ProjectionTests
{
    private static readonly GanConfig Tiny = GanPresets.SmallDataConfig with
    {
        Resolution = 16, BatchSize = 8, LatentDim = 16, GeneratorChannels = 8, DiscriminatorChannels = 8,
        Iterations = 100, Seed = 5, Threads = 1,
    };

    private static LoadedGenerator Generator()
    {
        using var g = new torch.Generator(2);
        using var data = TrainingData.FromTensor(rand([16, 1, 16, 16], generator: g) * 2 - 1);
        using var trainer = new GanTrainer(Tiny, data, options: new GanTrainerOptions { LogEvery = 1, EvaluationSamples = 16, DiversityPairs = 8, FixedSamples = 4 });
        trainer.Train(3);
        using var checkpoint = new MemoryStream();
        trainer.SaveCheckpoint(checkpoint);
        checkpoint.Position = 0;
        return LoadedGenerator.FromCheckpoint(checkpoint);
    }

    [Fact]
    public void The_latent_found_for_an_image_of_the_generator_comes_much_closer_than_where_it_started()
    {
        using var generator = Generator();
        // A drawing the generator can make: its image at a latent that none of the random starts is.
        using var target = generator.Generate(1, seed: 12345);
        var options = new ProjectionOptions(Starts: 4, Steps: 120, Seed: 0);
        using var starts = generator.GenerateFrom(Latents.Draw(generator.Config, options.Starts, options.Seed).Z);
        var startError = (starts - target).abs().mean([1, 2, 3]).min().item<float>();

        using var found = Projection.Find(generator, target, label: null, options);

        Assert.Equal(Tiny.LatentDim, found.Latent.Length);
        Assert.Equal([1L, 1, 16, 16], found.Image.shape);
        Assert.True(found.MeanAbsoluteError < startError * 0.6, $"start {startError}, found {found.MeanAbsoluteError}");
        Assert.InRange(found.Ssim, 0, 1);
        // The found latent gives the returned image.
        using var again = generator.GenerateFrom(torch.tensor(found.Latent, [1, Tiny.LatentDim]));
        Assert.True((again.clamp(-1, 1) - found.Image).abs().max().item<float>() < 1e-5);
    }

    [Fact]
    public void A_target_of_the_wrong_shape_is_refused()
    {
        using var generator = Generator();
        using var wrong = zeros(1, 3, 16, 16);
        Assert.Throws<ArgumentException>(() => Projection.Find(generator, wrong, null));
    }
}
