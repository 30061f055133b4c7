using GanService.Domain.Gan.Metrics;
using static TorchSharp.torch;

namespace GanService.Domain.Tests.Gan.Metrics;

public class DiversityTests
{
    [Fact]
    public void Copies_of_one_image_score_about_one_and_a_varied_set_scores_low()
    {
        using var scope = NewDisposeScope();
        var one = TestImages.Texture(1, 3, 32, 1);
        var collapsed = one.expand(12, 3, 32, 32).contiguous();
        var varied = TestImages.Texture(12, 3, 32, 2);
        Assert.Equal(1.0, Diversity.Compute(collapsed, 40, seed: 1), 5);
        var diverse = Diversity.Compute(varied, 40, seed: 1);
        Assert.InRange(diverse, 0.0, 0.3);

        // Near copies (small noise on one image) sit in between.
        var nearCopies = (collapsed + 0.1 * TestImages.Noise(12, 3, 32, 3)).clamp(-1, 1);
        Assert.InRange(Diversity.Compute(nearCopies, 40, seed: 1), diverse + 0.2, 0.99);
    }

    [Fact]
    public void Is_deterministic_for_a_seed_and_batches_do_not_change_it()
    {
        using var scope = NewDisposeScope();
        var images = TestImages.Texture(10, 1, 16, 4);
        var a = Diversity.Compute(images, 30, seed: 9);
        Assert.Equal(a, Diversity.Compute(images, 30, seed: 9));
        Assert.Equal(a, Diversity.Compute(images, 30, seed: 9, batchSize: 7), 6);
        Assert.NotEqual(a, Diversity.Compute(images, 30, seed: 10));
        Assert.Throws<ArgumentException>(() => Diversity.Compute(images[..1], 5, seed: 1));
    }
}
