namespace GanService.Domain.Imaging.Simulation;

/// <summary>Separable Gaussian blur of a gray plane into floats (edges repeat the outermost pixel).</summary>
internal static class GaussianBlur
{
    /// <summary>Below this sigma a blur changes nothing a JPEG would keep.</summary>
    private const double MinSigma = 0.2;

    public static float[] Apply(byte[] gray, int width, int height, double sigma)
    {
        var result = Array.ConvertAll(gray, value => (float)value);
        if (sigma < MinSigma)
        {
            return result;
        }

        var radius = (int)Math.Ceiling(3 * sigma);
        var kernel = new float[(2 * radius) + 1];
        for (var i = -radius; i <= radius; i++)
        {
            kernel[i + radius] = (float)Math.Exp(-(i * i) / (2 * sigma * sigma));
        }

        var total = kernel.Sum();
        for (var i = 0; i < kernel.Length; i++)
        {
            kernel[i] /= total;
        }

        var rows = new float[result.Length];
        for (var y = 0; y < height; y++)
        {
            var row = y * width;
            for (var x = 0; x < width; x++)
            {
                var sum = 0f;
                for (var k = -radius; k <= radius; k++)
                {
                    sum += kernel[k + radius] * result[row + Math.Clamp(x + k, 0, width - 1)];
                }

                rows[row + x] = sum;
            }
        }

        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var sum = 0f;
                for (var k = -radius; k <= radius; k++)
                {
                    sum += kernel[k + radius] * rows[(Math.Clamp(y + k, 0, height - 1) * width) + x];
                }

                result[(y * width) + x] = sum;
            }
        }

        return result;
    }
}
