namespace GanService.Domain.Gan.Metrics;

/// <summary>
/// Settings of the sliced Wasserstein distance. The defaults are ProGAN's (metrics/sliced_wasserstein.py): 7 x 7
/// neighbourhoods, 128 per image per level, 4 repeats of 128 random directions, pyramid levels down to 16 px.
/// Tests use fewer patches and directions; reported numbers should use the defaults.
/// </summary>
public sealed record SwdOptions
{
    /// <summary>ProGAN's settings.</summary>
    public static SwdOptions ProGan { get; } = new();

    /// <summary>Side of the square neighbourhood (patch) taken as a descriptor; odd.</summary>
    public int NhoodSize { get; init; } = 7;

    /// <summary>Random neighbourhoods taken from each image at each pyramid level.</summary>
    public int NhoodsPerImage { get; init; } = 128;

    /// <summary>How many times a fresh set of random directions is drawn; the distances are averaged.</summary>
    public int DirRepeats { get; init; } = 4;

    /// <summary>Random unit directions per repeat.</summary>
    public int DirsPerRepeat { get; init; } = 128;

    /// <summary>The pyramid has one level per resolution from the image size down to this (halving each time).</summary>
    public int MinResolution { get; init; } = 16;

    /// <summary>Images pushed through the pyramid at once; bounds the memory of that step.</summary>
    public int BatchSize { get; init; } = 64;

    internal void Validate()
    {
        if (NhoodSize < 1 || NhoodSize % 2 == 0)
            throw new ArgumentException($"NhoodSize must be odd and positive, got {NhoodSize}.");
        if (NhoodsPerImage < 1 || DirRepeats < 1 || DirsPerRepeat < 1 || BatchSize < 1)
            throw new ArgumentException("NhoodsPerImage, DirRepeats, DirsPerRepeat and BatchSize must be positive.");
        if (MinResolution < NhoodSize)
            throw new ArgumentException($"MinResolution ({MinResolution}) must be at least NhoodSize ({NhoodSize}).");
    }
}

/// <summary>SWD x 1e3 averaged over the pyramid levels, and per level (finest resolution first).</summary>
public sealed record SwdResult
{
    /// <summary>Mean over the levels of SWD x 1e3 (ProGAN's "SWDx1e3_avg").</summary>
    public required double Mean { get; init; }

    /// <summary>SWD x 1e3 per level, finest first (ProGAN's "SWDx1e3_&lt;res&gt;").</summary>
    public required double[] PerLevel { get; init; }

    /// <summary>The resolution of each level, e.g. [64, 32, 16].</summary>
    public required int[] Resolutions { get; init; }

    public override string ToString() =>
        $"SWDx1e3 avg {Mean:F2} (" + string.Join(", ", Resolutions.Zip(PerLevel, (r, v) => $"{r}px {v:F2}")) + ")";
}
