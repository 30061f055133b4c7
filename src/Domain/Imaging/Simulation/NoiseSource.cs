namespace GanService.Domain.Imaging.Simulation;

/// <summary>
/// Cheap, seeded pixel noise: xorshift64* and a near-Gaussian from four uniforms. A simulation needs a few hundred
/// thousand samples, and Box–Muller's logarithm and cosine per sample would cost more than the rest of the rendering.
/// </summary>
internal struct NoiseSource
{
    /// <summary>A sum of four uniforms has variance 1/3: √3, per 16-bit step, makes it unit variance (Irwin–Hall, n = 4).</summary>
    private const float GaussianScale = 1.7320508f / 65536f;

    private ulong state;

    public NoiseSource(int seed) => state = ((ulong)(uint)seed * 0x9E3779B97F4A7C15UL) | 1;

    /// <summary>Zero mean, unit variance, within ±3.46 (tails that matter nothing for grain).</summary>
    public float NextGaussian()
    {
        var r = Next();
        var sum = (int)(r & 0xFFFF) + (int)((r >> 16) & 0xFFFF) + (int)((r >> 32) & 0xFFFF) + (int)(r >> 48);
        return (sum - (2 * 65536)) * GaussianScale;
    }

    private ulong Next()
    {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        return state * 0x2545F4914F6CDD1DUL;
    }

    /// <summary>A uniform value in [0, 1) from a hash of a position, for noise that needs no order (the table).</summary>
    public static float Hash(int x, int y, int seed)
    {
        var h = ((uint)x * 0x8DA6B343u) ^ ((uint)y * 0xD8163841u) ^ ((uint)seed * 0xCB1AB31Fu);
        h = (h ^ (h >> 15)) * 0x2C1B3C6Du;
        h = (h ^ (h >> 12)) * 0x297A2D39u;
        h ^= h >> 15;
        return (h >> 8) / 16777216f;
    }
}
