using GanService.Domain.Imaging;

namespace GanService.Domain.Tests.Imaging;

/// <summary>The images under Fixtures/ (copied next to the test assembly) and synthetic ones.</summary>
internal static class Fixtures
{
    /// <summary>Stems present in symbola176, symbola176-phone-flat and symbola176-phone.</summary>
    public static readonly string[] DrawingStems = ["000_U1F400", "018_U1F412", "036_U1F424", "138_U1F930"];

    public static TheoryData<string> Drawings => new(DrawingStems);

    public static PixelImage Clean(string stem) => Load("symbola176", stem + ".png");

    /// <summary>A simulated phone photo, pixel-aligned with <see cref="Clean"/>.</summary>
    public static PixelImage PhoneFlat(string stem) => Load("symbola176-phone-flat", stem + ".jpg");

    /// <summary>A simulated phone photo with tilt and a dark table at the edges.</summary>
    public static PixelImage Phone(string stem) => Load("symbola176-phone", stem + ".jpg");

    /// <summary>A 28×28 white-on-black dress that covers most of its frame.</summary>
    public static PixelImage LargeDress() => Load("fashion-mnist-dress176", "dress_056_train00595.png");

    public static PixelImage Load(string folder, string file, int channels = 1) =>
        PixelImage.Decode(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", folder, file)), channels);

    public static PixelImage Uniform(int width, int height, byte value, int channels = 1)
    {
        var pixels = new byte[width * height * channels];
        Array.Fill(pixels, value);
        return new PixelImage(width, height, channels, pixels);
    }

    /// <summary>White with a black <paramref name="inkWidth"/>×<paramref name="inkHeight"/> block at (x, y).</summary>
    public static PixelImage Block(int width, int height, int x, int y, int inkWidth, int inkHeight)
    {
        var image = Uniform(width, height, 255);
        for (var row = y; row < y + inkHeight; row++)
        {
            image.Pixels.AsSpan((row * width) + x, inkWidth).Clear();
        }

        return image;
    }
}

internal static class Measure
{
    /// <summary>Mean gray level of the outer <paramref name="frame"/> pixels on all four sides.</summary>
    public static double FrameMean(PixelImage image, int frame = 3)
    {
        long sum = 0, count = 0;
        for (var y = 0; y < image.Height; y++)
        {
            for (var x = 0; x < image.Width; x++)
            {
                if (x < frame || y < frame || x >= image.Width - frame || y >= image.Height - frame)
                {
                    sum += image.Pixels[(y * image.Width) + x];
                    count++;
                }
            }
        }

        return (double)sum / count;
    }

    public static double Mean(PixelImage image) => image.Pixels.Average(p => (double)p);

    public static double MeanAbsoluteDifference(PixelImage first, PixelImage second)
    {
        Assert.Equal(first.Pixels.Length, second.Pixels.Length);
        return first.Pixels.Zip(second.Pixels, (a, b) => Math.Abs(a - b)).Average();
    }

    /// <summary>Bounding box (left, top, right, bottom inclusive) of pixels darker than 128, or null.</summary>
    public static (int Left, int Top, int Right, int Bottom)? InkBox(PixelImage gray)
    {
        int left = int.MaxValue, top = int.MaxValue, right = -1, bottom = -1;
        for (var y = 0; y < gray.Height; y++)
        {
            for (var x = 0; x < gray.Width; x++)
            {
                if (gray.Pixels[(y * gray.Width) + x] < 128)
                {
                    (left, top, right, bottom) = (Math.Min(left, x), Math.Min(top, y), Math.Max(right, x), Math.Max(bottom, y));
                }
            }
        }

        return right < 0 ? null : (left, top, right, bottom);
    }
}
