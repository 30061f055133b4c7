using System.Text.Json.Nodes;
using GanService.Domain.Gan;

namespace GanService.Domain.Tests.Gan;

public sealed class GanFlopsTests
{
    private static GanConfig Dcgan64() =>
        GanPresets.TryResolve("dcgan-classic", new JsonObject { ["resolution"] = 64, ["channels"] = 1, ["generatorChannels"] = 64, ["discriminatorChannels"] = 64 }).Config!;

    [Fact]
    public void Dcgan_64_counts_match_the_layer_by_layer_sum()
    {
        var config = Dcgan64();
        // MACs of each layer: in x out channels x 16 (4x4 kernel) x the pixels the kernel visits.
        const long generator = 100L * 512 * 16 + 512L * 256 * 16 * 4 * 4 + 256L * 128 * 16 * 8 * 8 + 128L * 64 * 16 * 16 * 16 + 64L * 1 * 16 * 32 * 32;
        const long discriminator = 1L * 64 * 16 * 32 * 32 + 64L * 128 * 16 * 16 * 16 + 128L * 256 * 16 * 8 * 8 + 256L * 512 * 16 * 4 * 4 + 512 * 16;
        Assert.Equal(102_531_072, generator);
        Assert.Equal(generator, GanFlops.GeneratorMacs(config));
        Assert.Equal(discriminator, GanFlops.DiscriminatorMacs(config));
        // Performed: 6 D (critic) + 3 G + 2 D (G step, input gradient only); reference (PyTorch): 3 G + 6 D + 3 D (full D backward in the G step).
        Assert.Equal(2.0 * (3 * generator + 8 * discriminator), GanFlops.TrainingFlopsPerImage(config));
        Assert.Equal(2.0 * (3 * generator + 9 * discriminator), GanFlops.ReferenceTrainingFlopsPerImage(config));
    }
}
