namespace GanService.Domain.Imaging.Filters;

/// <summary>Counts of each 8-bit value, with percentile look-up.</summary>
internal sealed class Histogram
{
    private readonly long[] counts = new long[256];

    public long Total { get; private set; }

    /// <summary>Counts <paramref name="values"/>, leaving out those whose <paramref name="skip"/> entry is true.</summary>
    public static Histogram Of(ReadOnlySpan<byte> values, ReadOnlySpan<bool> skip = default)
    {
        var histogram = new Histogram();
        for (var i = 0; i < values.Length; i++)
        {
            if (skip.IsEmpty || !skip[i])
            {
                histogram.counts[values[i]]++;
            }
        }

        histogram.Total = skip.IsEmpty ? values.Length : histogram.counts.Sum();
        return histogram;
    }

    public long this[int value] => counts[value];

    /// <summary>The smallest value with at least <paramref name="fraction"/> of the counts at or below it.</summary>
    public int Percentile(double fraction) => Percentile(fraction, 0, 255);

    /// <summary>Like <see cref="Percentile(double)"/> but among values in [<paramref name="from"/>, <paramref name="to"/>] only.</summary>
    public int Percentile(double fraction, int from, int to)
    {
        var inRange = Count(from, to);
        if (inRange == 0)
        {
            return from;
        }

        var wanted = Math.Max(1, (long)Math.Ceiling(fraction * inRange));
        var seen = 0L;
        for (var v = from; v <= to; v++)
        {
            seen += counts[v];
            if (seen >= wanted)
            {
                return v;
            }
        }

        return to;
    }

    public long Count(int from, int to)
    {
        var sum = 0L;
        for (var v = Math.Max(0, from); v <= Math.Min(255, to); v++)
        {
            sum += counts[v];
        }

        return sum;
    }

    /// <summary>The single most frequent value.</summary>
    public int MostCommon()
    {
        var best = 0;
        for (var v = 1; v < 256; v++)
        {
            if (counts[v] > counts[best])
            {
                best = v;
            }
        }

        return best;
    }

    /// <summary>The most frequent value in [from, to] after smoothing over ±2 values (grain makes raw peaks ragged).</summary>
    public int Peak(int from, int to)
    {
        var best = from;
        var bestCount = -1L;
        for (var v = from; v <= to; v++)
        {
            var smoothed = Count(v - 2, v + 2);
            if (smoothed > bestCount)
            {
                best = v;
                bestCount = smoothed;
            }
        }

        return best;
    }

    /// <summary>Otsu's threshold: the split of the histogram with the largest between-class variance.</summary>
    public int OtsuThreshold()
    {
        double total = Total, sum = 0;
        for (var v = 0; v < 256; v++)
        {
            sum += v * (double)counts[v];
        }

        double below = 0, sumBelow = 0, best = -1;
        var threshold = 128;
        for (var v = 0; v < 256; v++)
        {
            below += counts[v];
            sumBelow += v * (double)counts[v];
            var above = total - below;
            if (below == 0 || above == 0)
            {
                continue;
            }

            var difference = (sumBelow / below) - ((sum - sumBelow) / above);
            var variance = below * above * difference * difference;
            if (variance > best)
            {
                best = variance;
                threshold = v;
            }
        }

        return threshold;
    }
}
