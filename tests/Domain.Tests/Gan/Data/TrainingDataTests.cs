using GanService.Domain.Gan;
using GanService.Domain.Gan.Data;
using GanService.Domain.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Domain.Tests.Gan.Data;

[Collection(TorchCollection.Name)]
public class TrainingDataTests
{
    private static PixelImage Gray(byte value, int w = 20, int h = 12)
    {
        var px = new byte[w * h];
        Array.Fill(px, value);
        return new PixelImage(w, h, 1, px);
    }

    private static readonly GanConfig Config = GanPresets.SmallDataConfig with
    {
        Resolution = 16, Preprocess = PreprocessOptions.None with { Fit = FitMode.Stretch },
    };

    [Fact]
    public void Images_become_one_tensor_in_minus_one_to_one()
    {
        using var data = TrainingData.Build([new(Gray(0)), new(Gray(255)), new(Gray(51))], Config);
        Assert.Equal([3L, 1, 16, 16], data.Images.shape);
        Assert.Equal(ScalarType.Float32, data.Images.dtype);
        Assert.Equal(-1f, data.Images[0].max().item<float>());
        Assert.Equal(1f, data.Images[1].min().item<float>());
        Assert.Equal(51 / 127.5f - 1, data.Images[2].mean().item<float>(), 5);
        Assert.Null(data.Labels);
    }

    [Fact]
    public void Gray_images_are_repeated_for_rgb()
    {
        using var data = TrainingData.Build([new(Gray(51))], Config with { Channels = 3 });
        Assert.Equal([1L, 3, 16, 16], data.Images.shape);
    }

    [Fact]
    public void Tags_include_and_exclude()
    {
        var images = new TrainingImage[]
        {
            new(Gray(0), ["cat"]), new(Gray(10), ["cat", "Sketch"]), new(Gray(20), ["dog"]), new(Gray(30)),
        };
        using var included = TrainingData.Build(images, Config with { IncludeTags = ["CAT", "dog"], ExcludeTags = ["sketch"] });
        Assert.Equal(2, included.Count);
        Assert.Equal(2, included.ExcludedByTags);
        using var excluded = TrainingData.Build(images, Config with { ExcludeTags = ["cat"] });
        Assert.Equal(2, excluded.Count);
        Assert.Throws<ArgumentException>(() => TrainingData.Build(images, Config with { IncludeTags = ["bird"] }));
    }

    [Fact]
    public void Labels_become_sorted_ordinal_class_ids_and_unlabeled_images_are_skipped()
    {
        var images = new TrainingImage[]
        {
            new(Gray(0), Label: "b"), new(Gray(10), Label: "B"), new(Gray(20), Label: "a"), new(Gray(30)), new(Gray(40), Label: " "),
        };
        using var data = TrainingData.Build(images, Config with { Conditional = true });
        Assert.Equal(["B", "a", "b"], data.ClassNames);
        Assert.Equal([2L, 0, 1], data.Labels!.data<long>().ToArray());
        Assert.Equal(2, data.SkippedUnlabeled);
        Assert.Equal(3, data.Count);
        Assert.Throws<ArgumentException>(() => TrainingData.Build(images, Config with { Conditional = true, NumClasses = 2 }));
    }

    [Fact]
    public void Batches_are_drawn_from_the_seeded_generator()
    {
        using var data = TrainingData.FromTensor(arange(10, dtype: ScalarType.Float32).reshape(10, 1, 1, 1).expand(10, 1, 2, 2).contiguous());
        using var g1 = new torch.Generator(5);
        using var g2 = new torch.Generator(5);
        var (a, _) = data.Sample(16, g1);
        var (b, _) = data.Sample(16, g2);
        Assert.True(eq(a, b).all().ToBoolean());
        Assert.Equal([16L, 1, 2, 2], a.shape);
    }

    [Fact]
    public void Pixel_images_round_trip()
    {
        using var t = TrainingData.ToTensor([Gray(7, 4, 4), Gray(200, 4, 4)], 1, 4);
        var back = TrainingData.ToPixelImages(t);
        Assert.Equal(7, back[0].Pixels[0]);
        Assert.Equal(200, back[1].Pixels[15]);
    }
}
