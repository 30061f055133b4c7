using GanService.Domain.Imaging;
using GanService.Domain.Imaging.Filters;

namespace GanService.Domain.Tests.Imaging;

/// <summary>Clean-up quality on simulated phone photos, judged against the clean originals.</summary>
public class ImagePreprocessorCleanupTests
{
    private const int Resolution = 64;

    private static readonly PreprocessOptions CleanupWithoutCrop = PreprocessOptions.Default with { AutoCrop = false };

    [Fact]
    public void Cleanup_raises_ssim_against_the_clean_original_well_above_the_raw_photo()
    {
        var raw = new List<double>();
        var cleaned = new List<double>();
        foreach (var stem in Fixtures.DrawingStems)
        {
            var reference = ImagePreprocessor.Prepare(Fixtures.Clean(stem), Resolution, PreprocessOptions.None);
            var photo = Fixtures.PhoneFlat(stem);
            raw.Add(Ssim.Mean(ImagePreprocessor.Prepare(photo, Resolution, PreprocessOptions.None), reference));
            cleaned.Add(Ssim.Mean(ImagePreprocessor.Prepare(photo, Resolution, CleanupWithoutCrop), reference));
        }

        // Measured on these fixtures: raw ≈ 0.7, cleaned ≈ 0.99 (the whole data set: 0.78 → 0.996).
        Assert.True(raw.Average() < 0.85, $"raw photos unexpectedly similar already: {raw.Average():0.000}");
        Assert.True(cleaned.Average() >= 0.95, $"mean SSIM after clean-up {cleaned.Average():0.000}");
        Assert.All(cleaned, (ssim, i) => Assert.True(ssim > raw[i] + 0.1, $"{Fixtures.DrawingStems[i]}: {raw[i]:0.000} -> {ssim:0.000}"));
    }

    [Theory]
    [MemberData(nameof(Fixtures.Drawings), MemberType = typeof(Fixtures))]
    public void Table_border_around_the_sheet_is_gone(string stem)
    {
        var photo = Fixtures.Phone(stem);

        var before = Measure.FrameMean(ImagePreprocessor.Prepare(photo, Resolution, PreprocessOptions.None));
        var after = Measure.FrameMean(ImagePreprocessor.Prepare(photo, Resolution, PreprocessOptions.Default));

        Assert.True(before < 200, $"fixture should show a dark border, frame mean {before:0}");
        Assert.True(after > 250, $"frame mean after clean-up {after:0}");
    }

    [Theory]
    [MemberData(nameof(Fixtures.Drawings), MemberType = typeof(Fixtures))]
    public void Table_leaves_no_dark_line_anywhere_near_the_edges(string stem)
    {
        var prepared = ImagePreprocessor.Prepare(Fixtures.Phone(stem), Resolution, PreprocessOptions.Default);

        // The drawing sits inside the crop margin, so a band of 4 pixels all round is paper only.
        var darkest = 255;
        for (var y = 0; y < Resolution; y++)
        {
            for (var x = 0; x < Resolution; x++)
            {
                if (x < 4 || y < 4 || x >= Resolution - 4 || y >= Resolution - 4)
                {
                    darkest = Math.Min(darkest, prepared.Pixels[(y * Resolution) + x]);
                }
            }
        }

        Assert.True(darkest > 200, $"darkest pixel near the edge: {darkest}");
    }

    [Theory]
    [MemberData(nameof(Fixtures.Drawings), MemberType = typeof(Fixtures))]
    public void Auto_crop_keeps_the_whole_drawing_and_enlarges_it(string stem)
    {
        // The flat photo is pixel-aligned with its original, so the original's ink must lie inside the crop.
        var ink = Measure.InkBox(Fixtures.Clean(stem))!.Value;
        var crop = ImagePreprocessor.CleanUp(Fixtures.PhoneFlat(stem), Resolution, PreprocessOptions.Default).Region;

        Assert.InRange(ink.Left, crop.X, crop.Right - 1);
        Assert.InRange(ink.Right, crop.X, crop.Right - 1);
        Assert.InRange(ink.Top, crop.Y, crop.Bottom - 1);
        Assert.InRange(ink.Bottom, crop.Y, crop.Bottom - 1);

        var uncropped = Extent(ImagePreprocessor.Prepare(Fixtures.PhoneFlat(stem), Resolution, CleanupWithoutCrop));
        var cropped = Extent(ImagePreprocessor.Prepare(Fixtures.PhoneFlat(stem), Resolution, PreprocessOptions.Default with { CropToDrawing = true }));
        Assert.True(cropped >= uncropped, $"cropping to the drawing should not shrink it: {uncropped} -> {cropped} pixels");
        if (stem == "018_U1F412")
        {
            Assert.True(cropped > uncropped + 5, $"the monkey has plenty of paper around it: {uncropped} -> {cropped} pixels");
        }
    }

    [Theory]
    [MemberData(nameof(Fixtures.Drawings), MemberType = typeof(Fixtures))]
    public void A_flat_photo_whose_drawing_fills_it_keeps_its_frame(string stem)
    {
        // These drawings span 70-90% of their 200 px frame: as framed by hand, nothing to crop.
        var photo = Fixtures.PhoneFlat(stem);

        var cleaned = ImagePreprocessor.CleanUp(photo, Resolution, PreprocessOptions.Default);

        Assert.Equal(new PixelRect(0, 0, photo.Width, photo.Height), cleaned.Region);
        Assert.Equal(
            ImagePreprocessor.Prepare(photo, Resolution, CleanupWithoutCrop).Pixels,
            ImagePreprocessor.Prepare(photo, Resolution, PreprocessOptions.Default).Pixels);
    }

    [Fact]
    public void A_sheet_covering_only_a_third_of_a_dark_table_photo_keeps_its_polarity()
    {
        // A 150 x 150 sheet with a black block, in a 260 x 260 photo of a dark table: table is most of the picture.
        var photo = Fixtures.Uniform(260, 260, 50);
        var random = new Random(3);
        for (var y = 55; y < 205; y++)
        {
            for (var x = 55; x < 205; x++)
            {
                var ink = x is >= 110 and < 150 && y is >= 115 and < 145;
                photo.Pixels[(y * 260) + x] = (byte)((ink ? 60 : 200) + random.Next(-6, 7));
            }
        }

        var prepared = ImagePreprocessor.Prepare(photo, Resolution, PreprocessOptions.Default);

        // Paper stays white around a dark block (inverted, the block would come out white on black).
        Assert.True(Measure.FrameMean(prepared) > 230, $"frame {Measure.FrameMean(prepared):0}");
        Assert.True(prepared.Pixels[(Resolution / 2 * Resolution) + (Resolution / 2)] < 80, "the block should stay dark");
    }

    [Fact]
    public void A_small_drawing_on_a_large_sheet_is_still_cropped()
    {
        // A 40 x 30 block on a 200 x 160 white page: the crop (with its margin) is about a quarter of the page.
        var page = Fixtures.Block(200, 160, 90, 70, 40, 30);

        var region = ImagePreprocessor.CleanUp(page, Resolution, PreprocessOptions.Default).Region;

        Assert.InRange(region.Width, 40, 50);
        Assert.InRange(region.X, 82, 90);
        Assert.InRange(region.Y, 62, 70);
    }

    private static int Extent(PixelImage prepared)
    {
        var box = Measure.InkBox(prepared)!.Value;
        return Math.Max(box.Right - box.Left, box.Bottom - box.Top) + 1;
    }

    [Fact]
    public void A_solid_silhouette_stays_solid()
    {
        // The pregnant woman is one filled shape, wider than the background closing can bridge.
        var reference = ImagePreprocessor.Prepare(Fixtures.Clean("138_U1F930"), Resolution, PreprocessOptions.None);
        var cleaned = ImagePreprocessor.Prepare(Fixtures.PhoneFlat("138_U1F930"), Resolution, CleanupWithoutCrop);

        Assert.True(Measure.MeanAbsoluteDifference(reference, cleaned) < 8, "silhouette should come out like the original");
    }

    [Fact]
    public void White_on_black_pictures_keep_their_polarity()
    {
        var dress = Fixtures.LargeDress();

        var prepared = ImagePreprocessor.Prepare(dress, Resolution, PreprocessOptions.Default);

        // The dress fills its frame, so the frame is kept: the border stays as dark as the picture's own.
        Assert.True(Measure.FrameMean(prepared) <= Measure.FrameMean(ImagePreprocessor.Prepare(dress, Resolution, PreprocessOptions.None)) + 5, "background should stay black");
        Assert.True(Measure.Mean(prepared) > 60, "the dress should still be there, bright");
    }

    [Fact]
    public void Tinted_shaded_colour_photo_comes_out_with_white_neutral_paper()
    {
        // Yellowish paper, darker towards the right, with a dark blue stroke.
        const int size = 120;
        var pixels = new byte[size * size * 3];
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var light = 1 - (0.4 * x / size);
                var stroke = Math.Abs(x - y) < 3 && x > 20 && x < 100;
                var i = ((y * size) + x) * 3;
                pixels[i] = (byte)((stroke ? 40 : 235) * light);
                pixels[i + 1] = (byte)((stroke ? 40 : 220) * light);
                pixels[i + 2] = (byte)((stroke ? 90 : 170) * light);
            }
        }

        var prepared = ImagePreprocessor.Prepare(new PixelImage(size, size, 3, pixels), 32, PreprocessOptions.Default with { AutoCrop = false });

        Assert.Equal(3, prepared.Channels);
        for (var c = 0; c < 3; c++)
        {
            Assert.True(prepared.Pixels[c] > 245, $"paper corner channel {c}: {prepared.Pixels[c]}"); // top-left
            Assert.True(prepared.Pixels[(((32 * 32) - 1) * 3) + c] > 245, $"paper, shaded corner channel {c}"); // bottom-right
        }

        var centre = ((16 * 32) + 16) * 3;
        Assert.True(prepared.Pixels[centre] < 100, "the stroke stays dark");
    }
}
