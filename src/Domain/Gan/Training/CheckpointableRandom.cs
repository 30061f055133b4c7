namespace GanService.Domain.Gan.Training;

/// <summary>
/// A small C# random number generator whose whole state can be checkpointed (System.Random's cannot on .NET):
/// xoshiro256** (Blackman and Vigna 2018), seeded through SplitMix64. Use it for host-side choices of the
/// trainer (data shuffling, batch sampling) so that a resumed run draws the same sequence.
/// </summary>
public sealed class CheckpointableRandom : ICheckpointable
{
    private ulong _s0, _s1, _s2, _s3;

    public CheckpointableRandom(ulong seed)
    {
        var x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    public ulong NextUInt64()
    {
        var result = RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, maxExclusive), without modulo bias (Lemire's method with rejection).</summary>
    public int Next(int maxExclusive)
    {
        if (maxExclusive <= 0) throw new ArgumentOutOfRangeException(nameof(maxExclusive));
        var range = (ulong)maxExclusive;
        var threshold = (0UL - range) % range;
        while (true)
        {
            var r = NextUInt64();
            var product = Math.BigMul(r, range, out var low);
            if (low >= threshold) return (int)product;
        }
    }

    /// <summary>Fisher–Yates shuffle in place.</summary>
    public void Shuffle<T>(IList<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>A seed for a torch.Generator drawn from this generator.</summary>
    public long NextSeed() => (long)(NextUInt64() >> 1);

    public void Save(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(_s0); writer.Write(_s1); writer.Write(_s2); writer.Write(_s3);
    }

    public void Load(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        _s0 = reader.ReadUInt64(); _s1 = reader.ReadUInt64(); _s2 = reader.ReadUInt64(); _s3 = reader.ReadUInt64();
        if ((_s0 | _s1 | _s2 | _s3) == 0) throw new InvalidDataException("An all-zero xoshiro256** state is invalid.");
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix64(ref ulong x)
    {
        var z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
