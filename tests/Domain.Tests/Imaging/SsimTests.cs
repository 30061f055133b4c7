using GanService.Domain.Imaging;

namespace GanService.Domain.Tests.Imaging;

public class SsimTests
{
    [Fact]
    public void Identical_images_score_one()
    {
        var image = Fixtures.Clean("018_U1F412");

        Assert.Equal(1.0, Ssim.Mean(image, image), 10);
    }

    [Fact]
    public void Damage_lowers_the_score_and_more_damage_lowers_it_more()
    {
        var clean = ImagePreprocessor.Prepare(Fixtures.Clean("018_U1F412"), 64, PreprocessOptions.None);
        var slightly = new PixelImage(64, 64, 1, clean.Pixels.Select((v, i) => (byte)Math.Clamp(v + ((i % 7) - 3), 0, 255)).ToArray());
        var heavily = new PixelImage(64, 64, 1, clean.Pixels.Select((v, i) => (byte)Math.Clamp(v + (((i * 37) % 101) - 50), 0, 255)).ToArray());

        var slight = Ssim.Mean(clean, slightly);
        var heavy = Ssim.Mean(clean, heavily);

        Assert.InRange(slight, heavy, 0.9999);
        Assert.True(heavy < 0.8);
    }

    [Fact]
    public void Tiny_images_and_size_mismatches()
    {
        Assert.Equal(1.0, Ssim.Mean(Fixtures.Uniform(3, 2, 9), Fixtures.Uniform(3, 2, 9)), 10);
        Assert.Throws<ArgumentException>(() => Ssim.Mean(Fixtures.Uniform(3, 2, 9), Fixtures.Uniform(2, 3, 9)));
    }
}
