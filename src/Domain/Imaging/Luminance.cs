namespace GanService.Domain.Imaging;

/// <summary>Rec. 601 luma, the gray conversion most image libraries and ML pipelines use.</summary>
internal static class Luminance
{
    // Fixed-point weights (sum 2^16) so the conversion is exact for gray (r == g == b) and needs no floats.
    private const int RedWeight = 19595, GreenWeight = 38470, BlueWeight = 7471;

    public static byte Of(byte red, byte green, byte blue) =>
        (byte)(((RedWeight * red) + (GreenWeight * green) + (BlueWeight * blue) + 32768) >> 16);

    /// <summary>The gray plane of an image: the pixels themselves when it already is gray.</summary>
    public static byte[] Plane(PixelImage image)
    {
        if (image.Channels == 1)
        {
            return image.Pixels;
        }

        var source = image.Pixels;
        var gray = new byte[image.Width * image.Height];
        for (int i = 0, s = 0; i < gray.Length; i++, s += 3)
        {
            gray[i] = Of(source[s], source[s + 1], source[s + 2]);
        }

        return gray;
    }
}
