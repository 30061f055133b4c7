using GanService.Domain.Imaging;
using SkiaSharp;

namespace GanService.Domain.Tests.Imaging;

/// <summary>Shape, fitting, options and edge cases of <see cref="ImagePreprocessor"/>.</summary>
public class ImagePreprocessorTests
{
    public static TheoryData<PreprocessOptions> BothPresets => new(PreprocessOptions.Default, PreprocessOptions.None);

    [Fact]
    public void None_on_a_clean_drawing_is_just_a_good_resize()
    {
        var clean = Fixtures.Clean("000_U1F400");

        var prepared = ImagePreprocessor.Prepare(clean, 64, PreprocessOptions.None);

        // Independent reference: SkiaSharp's mipmapped linear downscale, which also averages the source area.
        var reference = SkiaResize(clean, 64);
        Assert.True(Measure.MeanAbsoluteDifference(prepared, reference) < 3, "should match an area-averaging resize");
        Assert.True(Ssim.Mean(prepared, reference) > 0.95);
    }

    [Fact]
    public void Shrinking_averages_the_area_under_each_output_pixel()
    {
        // 4×2 → 2×1: each output pixel is the mean of a 2×2 block (no skipped pixels as in point sampling).
        var image = new PixelImage(4, 2, 1, [0, 100, 200, 255, 100, 200, 255, 255]);

        var prepared = ImagePreprocessor.Prepare(image, 1, PreprocessOptions.None with { Fit = FitMode.Stretch });

        Assert.Equal((0 + 100 + 200 + 255 + 100 + 200 + 255 + 255) / 8.0, prepared.Pixels[0], 0.5);
    }

    [Fact]
    public void Enlarging_a_small_white_on_black_picture_keeps_it_white_on_black()
    {
        var dress = Fixtures.Load("fashion-mnist-dress176", "dress_000_train00003.png");

        var prepared = ImagePreprocessor.Prepare(dress, 64, PreprocessOptions.None);

        Assert.Equal(64, prepared.Width);
        Assert.True(Math.Abs(Measure.Mean(prepared) - Measure.Mean(dress)) < 4, $"enlarging should keep the overall brightness: {Measure.Mean(dress):0.0} -> {Measure.Mean(prepared):0.0}");
        Assert.Equal(dress.Pixels[0], prepared.Pixels[0]); // background corner stays black
    }

    [Theory]
    [InlineData(FitMode.Pad)]
    [InlineData(FitMode.Crop)]
    [InlineData(FitMode.Stretch)]
    public void Every_fit_gives_a_square_of_the_requested_size_and_channels(FitMode fit)
    {
        foreach (var channels in new[] { 1, 3 })
        {
            foreach (var (width, height) in new[] { (300, 100), (100, 300), (37, 64) })
            {
                var prepared = ImagePreprocessor.Prepare(Fixtures.Uniform(width, height, 200, channels), 48, PreprocessOptions.Default with { Fit = fit });

                Assert.Equal((48, 48, channels), (prepared.Width, prepared.Height, prepared.Channels));
                Assert.Equal(48 * 48 * channels, prepared.Pixels.Length);
            }
        }
    }

    [Fact]
    public void Pad_keeps_everything_and_fills_with_paper()
    {
        // 200×100, a black bar across the full width in the middle rows.
        var wide = Fixtures.Block(200, 100, 0, 40, 200, 20);

        var prepared = ImagePreprocessor.Prepare(wide, 40, PreprocessOptions.None with { Fit = FitMode.Pad });

        // Image rows 10..29 of the square; 16..21 are the bar; above and below the image: white padding.
        Assert.All(Row(prepared, 2), v => Assert.Equal(255, v));
        Assert.All(Row(prepared, 37), v => Assert.Equal(255, v));
        Assert.All(Row(prepared, 20), v => Assert.True(v < 10)); // the bar runs edge to edge: nothing cut
    }

    [Fact]
    public void Crop_keeps_the_centre_square()
    {
        // 300×100 with black blocks at the far left and right ends and one in the centre.
        var wide = Fixtures.Block(300, 100, 0, 0, 30, 100);
        foreach (var x in new[] { 135, 270 })
        {
            for (var y = 0; y < 100; y++)
            {
                wide.Pixels.AsSpan((y * 300) + x, 30).Clear();
            }
        }

        var prepared = ImagePreprocessor.Prepare(wide, 50, PreprocessOptions.None with { Fit = FitMode.Crop });

        Assert.True(prepared.Pixels[(25 * 50) + 25] < 10, "centre block kept");
        Assert.Equal(255, prepared.Pixels[(25 * 50) + 1]); // the end blocks are outside the centre square
        Assert.Equal(255, prepared.Pixels[(25 * 50) + 48]);
    }

    [Fact]
    public void Stretch_fills_the_square_with_the_whole_image()
    {
        var wide = Fixtures.Block(200, 100, 0, 0, 100, 100); // left half black

        var prepared = ImagePreprocessor.Prepare(wide, 40, PreprocessOptions.None with { Fit = FitMode.Stretch });

        Assert.All(Row(prepared, 0)[..19], v => Assert.Equal(0, v));
        Assert.All(Row(prepared, 39)[21..], v => Assert.Equal(255, v));
    }

    [Theory]
    [MemberData(nameof(BothPresets))]
    public void Invert_gives_the_negative(PreprocessOptions options)
    {
        var photo = Fixtures.Phone("036_U1F424");

        var normal = ImagePreprocessor.Prepare(photo, 32, options);
        var inverted = ImagePreprocessor.Prepare(photo, 32, options with { Invert = true });

        Assert.Equal(normal.Pixels.Select(v => (byte)(255 - v)), inverted.Pixels);
    }

    [Theory]
    [MemberData(nameof(BothPresets))]
    public void Odd_shapes_do_not_break_anything(PreprocessOptions options)
    {
        foreach (var fit in Enum.GetValues<FitMode>())
        {
            foreach (var (width, height) in new[] { (1, 1), (2, 1), (3, 1000), (1000, 3), (5, 7) })
            {
                foreach (var channels in new[] { 1, 3 })
                {
                    var random = new Random(width * height);
                    var pixels = new byte[width * height * channels];
                    random.NextBytes(pixels);

                    var prepared = ImagePreprocessor.Prepare(new PixelImage(width, height, channels, pixels), 16, options with { Fit = fit });

                    Assert.Equal((16, 16, channels), (prepared.Width, prepared.Height, prepared.Channels));
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(BothPresets))]
    public void Blank_pages_stay_blank(PreprocessOptions options)
    {
        Assert.All(ImagePreprocessor.Prepare(Fixtures.Uniform(90, 60, 255), 32, options).Pixels, v => Assert.Equal(255, v));
        Assert.All(ImagePreprocessor.Prepare(Fixtures.Uniform(90, 60, 0), 32, options).Pixels, v => Assert.Equal(0, v));
        Assert.All(ImagePreprocessor.Prepare(Fixtures.Uniform(1, 1, 0, channels: 3), 8, options).Pixels, v => Assert.Equal(0, v));
    }

    [Fact]
    public void Bad_resolution_is_rejected()
    {
        var image = Fixtures.Uniform(4, 4, 255);

        Assert.Throws<ArgumentOutOfRangeException>(() => ImagePreprocessor.Prepare(image, 0, PreprocessOptions.Default));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImagePreprocessor.Prepare(image, ImagePreprocessor.MaxResolution + 1, PreprocessOptions.Default));
    }

    [Fact]
    public void Invalid_options_are_rejected_before_any_work()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            ImagePreprocessor.Prepare(Fixtures.Uniform(4, 4, 255), 8, PreprocessOptions.Default with { Denoise = 7 }));

        Assert.Contains("denoise must be between 0 and 3", error.Message);
    }

    [Fact]
    public void PrepareAll_keeps_the_order()
    {
        var sources = Enumerable.Range(0, 20).Select(i => Fixtures.Uniform(10 + i, 10, (byte)(i * 10))).ToList();

        var prepared = ImagePreprocessor.PrepareAll(sources, 8, PreprocessOptions.None);

        Assert.Equal(sources.Select(s => s.Pixels[0]), prepared.Select(p => p.Pixels[0]));
    }

    private static byte[] Row(PixelImage gray, int y) => gray.Pixels.AsSpan(y * gray.Width, gray.Width).ToArray();

    private static PixelImage SkiaResize(PixelImage gray, int size)
    {
        using var source = new SKBitmap(new SKImageInfo(gray.Width, gray.Height, SKColorType.Gray8, SKAlphaType.Opaque));
        gray.Pixels.CopyTo(source.GetPixelSpan());
        using var resized = source.Resize(new SKImageInfo(size, size, SKColorType.Gray8, SKAlphaType.Opaque), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear))!;
        return new PixelImage(size, size, 1, resized.GetPixelSpan().ToArray());
    }
}
