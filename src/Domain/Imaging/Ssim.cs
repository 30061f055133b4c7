namespace GanService.Domain.Imaging;

/// <summary>
/// Structural similarity (Wang et al. 2004) as commonly reported: 11×11 Gaussian window with σ = 1.5,
/// K1 = 0.01, K2 = 0.03, L = 255, averaged over every window position that lies fully inside the image
/// ("valid" windows, as in the reference MATLAB code). Colour images are compared by luminance.
/// </summary>
public static class Ssim
{
    private const int WindowSize = 11;
    private const double Sigma = 1.5;
    private const double C1 = 0.01 * 255 * 0.01 * 255;
    private const double C2 = 0.03 * 255 * 0.03 * 255;

    /// <summary>Mean SSIM of two images of equal size; images under 11 pixels use the largest odd window that fits.</summary>
    public static double Mean(PixelImage first, PixelImage second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (first.Width != second.Width || first.Height != second.Height)
        {
            throw new ArgumentException(
                $"images differ in size: {first.Width}x{first.Height} vs {second.Width}x{second.Height}", nameof(second));
        }

        int width = first.Width, height = first.Height;
        var window = Math.Min(WindowSize, Math.Min(width, height));
        window -= 1 - (window % 2); // odd, so the window has a centre
        var kernel = GaussianKernel(window);

        var x = ToDoubles(Luminance.Plane(first));
        var y = ToDoubles(Luminance.Plane(second));
        var xx = new double[x.Length];
        var yy = new double[x.Length];
        var xy = new double[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            xx[i] = x[i] * x[i];
            yy[i] = y[i] * y[i];
            xy[i] = x[i] * y[i];
        }

        var meanX = FilterValid(x, width, height, kernel);
        var meanY = FilterValid(y, width, height, kernel);
        var meanXX = FilterValid(xx, width, height, kernel);
        var meanYY = FilterValid(yy, width, height, kernel);
        var meanXY = FilterValid(xy, width, height, kernel);

        var total = 0.0;
        for (var i = 0; i < meanX.Length; i++)
        {
            double mx = meanX[i], my = meanY[i];
            var varianceX = meanXX[i] - (mx * mx);
            var varianceY = meanYY[i] - (my * my);
            var covariance = meanXY[i] - (mx * my);
            total += ((2 * mx * my) + C1) * ((2 * covariance) + C2)
                / (((mx * mx) + (my * my) + C1) * (varianceX + varianceY + C2));
        }

        return total / meanX.Length;
    }

    private static double[] ToDoubles(byte[] values) => Array.ConvertAll(values, v => (double)v);

    private static double[] GaussianKernel(int size)
    {
        var kernel = new double[size];
        var radius = size / 2;
        for (var i = 0; i < size; i++)
        {
            kernel[i] = Math.Exp(-((i - radius) * (i - radius)) / (2 * Sigma * Sigma));
        }

        var sum = kernel.Sum();
        return Array.ConvertAll(kernel, k => k / sum);
    }

    /// <summary>Separable filtering keeping only positions where the whole window fits.</summary>
    private static double[] FilterValid(double[] values, int width, int height, double[] kernel)
    {
        var outWidth = width - kernel.Length + 1;
        var outHeight = height - kernel.Length + 1;
        var horizontal = new double[height * outWidth];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < outWidth; x++)
            {
                var sum = 0.0;
                for (var k = 0; k < kernel.Length; k++)
                {
                    sum += kernel[k] * values[(y * width) + x + k];
                }

                horizontal[(y * outWidth) + x] = sum;
            }
        }

        var result = new double[outHeight * outWidth];
        for (var y = 0; y < outHeight; y++)
        {
            for (var x = 0; x < outWidth; x++)
            {
                var sum = 0.0;
                for (var k = 0; k < kernel.Length; k++)
                {
                    sum += kernel[k] * horizontal[((y + k) * outWidth) + x];
                }

                result[(y * outWidth) + x] = sum;
            }
        }

        return result;
    }
}
