using GanService.Domain;

namespace GanService.Api.Generation;

/// <summary>On-demand generation in the API process. Section <c>Generation</c>.</summary>
public sealed record GenerationSettings
{
    /// <summary>Generators kept loaded (least recently used out first). A 64x64 small-data generator is about 14 MB.</summary>
    public int CacheSize { get; init; } = 8;

    /// <summary>Forward passes at once. libtorch already spreads one over every core, so more only oversubscribe them.</summary>
    public int ConcurrentForwardPasses { get; init; } = 1;

    /// <summary>The most images one generate request may ask for.</summary>
    public int MaxCount { get; init; } = 256;

    /// <summary>The most frames one interpolation may have.</summary>
    public int MaxInterpolationSteps { get; init; } = 120;

    public static IEnumerable<string?> Problems(GenerationSettings s) =>
    [
        ValidatedSettings.AtLeast("Generation", nameof(CacheSize), s.CacheSize, 1),
        ValidatedSettings.AtLeast("Generation", nameof(ConcurrentForwardPasses), s.ConcurrentForwardPasses, 1),
        ValidatedSettings.AtLeast("Generation", nameof(MaxCount), s.MaxCount, 1),
        ValidatedSettings.AtLeast("Generation", nameof(MaxInterpolationSteps), s.MaxInterpolationSteps, 2),
    ];
}
