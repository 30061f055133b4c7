using System.Buffers;

namespace GanService.Domain.Imaging.Filters;

/// <summary>
/// Separable resize of interleaved 8-bit pixels. Shrinking averages the exact source area under each output
/// pixel (no aliasing of thin strokes, unlike point or bilinear sampling); enlarging uses Catmull-Rom cubic,
/// which stays sharp without the blockiness of nearest-neighbour.
/// </summary>
internal static class Resampler
{
    public static PixelImage Resize(PixelImage source, int width, int height)
    {
        if (width == source.Width && height == source.Height)
        {
            return source.Clone();
        }

        var result = new byte[width * height * source.Channels];
        Resize(source.Pixels, source.Width, source.Height, source.Channels, result, width, height);
        return new PixelImage(width, height, source.Channels, result);
    }

    /// <summary>Resizes a <paramref name="sourceWidth"/>×<paramref name="sourceHeight"/> buffer into <paramref name="target"/>.</summary>
    public static void Resize(
        ReadOnlySpan<byte> source, int sourceWidth, int sourceHeight, int channels,
        Span<byte> target, int targetWidth, int targetHeight)
    {
        var columns = AxisWeights.For(sourceWidth, targetWidth);
        var rows = AxisWeights.For(sourceHeight, targetHeight);
        var rowLength = targetWidth * channels;

        // Pass 1: every source row shrunk/enlarged horizontally, kept in float so pass 2 rounds only once.
        var narrowed = ArrayPool<float>.Shared.Rent(sourceHeight * rowLength);
        var accumulator = ArrayPool<float>.Shared.Rent(rowLength);
        try
        {
            for (var y = 0; y < sourceHeight; y++)
            {
                var sourceRow = source.Slice(y * sourceWidth * channels, sourceWidth * channels);
                var narrowedRow = narrowed.AsSpan(y * rowLength, rowLength);
                for (var x = 0; x < targetWidth; x++)
                {
                    for (var c = 0; c < channels; c++)
                    {
                        var sum = 0f;
                        for (var t = 0; t < columns.Taps; t++)
                        {
                            var k = (x * columns.Taps) + t;
                            sum += columns.Weight[k] * sourceRow[(columns.Index[k] * channels) + c];
                        }

                        narrowedRow[(x * channels) + c] = sum;
                    }
                }
            }

            // Pass 2: combine the narrowed rows vertically.
            var sumRow = accumulator.AsSpan(0, rowLength);
            for (var y = 0; y < targetHeight; y++)
            {
                sumRow.Clear();
                for (var t = 0; t < rows.Taps; t++)
                {
                    var k = (y * rows.Taps) + t;
                    var weight = rows.Weight[k];
                    if (weight == 0f)
                    {
                        continue;
                    }

                    var narrowedRow = narrowed.AsSpan(rows.Index[k] * rowLength, rowLength);
                    for (var i = 0; i < sumRow.Length; i++)
                    {
                        sumRow[i] += weight * narrowedRow[i];
                    }
                }

                var targetRow = target.Slice(y * rowLength, rowLength);
                for (var i = 0; i < rowLength; i++)
                {
                    targetRow[i] = ToByte(sumRow[i]);
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(narrowed);
            ArrayPool<float>.Shared.Return(accumulator);
        }
    }

    internal static byte ToByte(float value) => value <= 0f ? (byte)0 : value >= 255f ? (byte)255 : (byte)(value + 0.5f);

    /// <summary>For each output position along one axis: which source positions contribute, and how much.</summary>
    private sealed class AxisWeights
    {
        private AxisWeights(int taps, int outputs)
        {
            Taps = taps;
            Index = new int[taps * outputs];
            Weight = new float[taps * outputs];
        }

        /// <summary>Contributions per output position; unused slots carry weight 0.</summary>
        public int Taps { get; }

        public int[] Index { get; }

        public float[] Weight { get; }

        public static AxisWeights For(int sourceLength, int targetLength)
        {
            if (targetLength < sourceLength)
            {
                return Area(sourceLength, targetLength);
            }

            return targetLength == sourceLength ? Identity(sourceLength) : CatmullRom(sourceLength, targetLength);
        }

        private static AxisWeights Identity(int length)
        {
            var weights = new AxisWeights(1, length);
            for (var i = 0; i < length; i++)
            {
                weights.Index[i] = i;
                weights.Weight[i] = 1f;
            }

            return weights;
        }

        /// <summary>Output pixel i covers source span [i·s, (i+1)·s); each source pixel weighs its overlap.</summary>
        private static AxisWeights Area(int sourceLength, int targetLength)
        {
            var scale = (double)sourceLength / targetLength;
            var weights = new AxisWeights((int)Math.Ceiling(scale) + 1, targetLength);
            for (var i = 0; i < targetLength; i++)
            {
                var start = i * scale;
                var end = start + scale;
                var first = (int)Math.Floor(start);
                for (var t = 0; t < weights.Taps; t++)
                {
                    var j = first + t;
                    var overlap = Math.Min(end, j + 1) - Math.Max(start, j);
                    var k = (i * weights.Taps) + t;
                    weights.Index[k] = Math.Min(j, sourceLength - 1);
                    weights.Weight[k] = overlap > 0 && j < sourceLength ? (float)(overlap / scale) : 0f;
                }
            }

            return weights;
        }

        /// <summary>Cubic convolution (a = -0.5) on pixel centres; edges repeat the outermost pixel.</summary>
        private static AxisWeights CatmullRom(int sourceLength, int targetLength)
        {
            var scale = (double)sourceLength / targetLength;
            var weights = new AxisWeights(4, targetLength);
            for (var i = 0; i < targetLength; i++)
            {
                var centre = ((i + 0.5) * scale) - 0.5;
                var first = (int)Math.Floor(centre) - 1;
                for (var t = 0; t < 4; t++)
                {
                    var j = first + t;
                    var k = (i * 4) + t;
                    weights.Index[k] = Math.Clamp(j, 0, sourceLength - 1);
                    weights.Weight[k] = (float)Cubic(centre - j);
                }
            }

            return weights;
        }

        private static double Cubic(double distance)
        {
            const double a = -0.5;
            var x = Math.Abs(distance);
            return x < 1 ? ((a + 2) * x * x * x) - ((a + 3) * x * x) + 1
                : x < 2 ? (a * x * x * x) - (5 * a * x * x) + (8 * a * x) - (4 * a)
                : 0;
        }
    }
}
