using System.Text.Json.Nodes;

namespace GanService.Domain.Gan;

/// <summary>
/// The <c>auto</c> preset: picks the family, the widths and the batch size from the device and the run's budget,
/// from what bench/quality.sh and bench/fewshot-vs-pytorch.sh measured (README, "Which recipe wins"). On a CPU the
/// DCGAN family's line-art form (small-data without DiffAugment's cutout, with random flips) wins short budgets (5
/// minutes at 64 px, 30 minutes at 128 px); at 64 px with 12 minutes or more the few-shot family at base width 16 won
/// (SWD 25.7 at 15 minutes on things200, against small-data's 33.4). On a GPU it is FastGAN's published setting.
/// Above 256 px only the few-shot family exists.
/// </summary>
public static class AutoRecipe
{
    public const string Name = "auto";

    /// <summary>What auto picked: the preset it starts from, that preset's config with the chosen sizes, and why.</summary>
    public sealed record Choice(string Preset, GanConfig Config, string Reason);

    /// <summary>
    /// Seconds per iteration on the 2-core CPU these choices were measured on (bench, median), by preset and
    /// resolution: how a <c>minutes</c> budget becomes an iteration count. A faster machine stops on the minutes.
    /// </summary>
    private static double CpuSecondsPerIteration(string preset, int resolution) => (preset, resolution) switch
    {
        (GanPresets.SmallData, <= 16) => 0.012,
        (GanPresets.SmallData, 32) => 0.035,
        (GanPresets.SmallData, 64) => 0.115,
        (GanPresets.SmallData, 128) => 0.45,
        (GanPresets.SmallData, _) => 1.8,
        (GanPresets.FewShot, 64) => 0.266,
        (GanPresets.FewShot, 512) => 3.0,
        (GanPresets.FewShot, _) => 12.0,
        _ => 1.0,
    };

    /// <summary>From this many CPU minutes at 64 px the few-shot family (base 16) beat the DCGAN family.</summary>
    public const double FewShotCpuMinutes = 12;

    /// <summary>
    /// The choice for a run of this size on this device (<paramref name="gpu"/>: a CUDA device trains it), with the
    /// run's time budget in <paramref name="minutes"/> when it gave one (an iteration count alone means different
    /// times for different families, so it keeps the measured default).
    /// </summary>
    public static Choice Choose(int resolution, bool gpu, double? minutes = null)
    {
        if (gpu && resolution >= 32)
            return new Choice(GanPresets.FewShot, GanPresets.FewShotConfig with { Resolution = resolution },
                $"a GPU at {resolution} px: FastGAN's published setting (base width 64, batch 8)");
        if (resolution > 256)
            return new Choice(GanPresets.FewShot, FewShotOnCpu(resolution), $"{resolution} px on a CPU: only the few-shot family goes above 256 px; base width 16 keeps a step affordable");
        if (resolution == 64 && minutes >= FewShotCpuMinutes)
            return new Choice(GanPresets.FewShot, FewShotOnCpu(64), $"a CPU at 64 px with {minutes:0.#} minutes: the few-shot family at base width 16 reached SWD 25.7 in 15 CPU minutes on things200, against 33.4 for small-data (bench/fewshot-vs-pytorch.sh, bench/quality.sh); below {FewShotCpuMinutes:0} minutes the DCGAN family wins");
        // Cutout erases a quarter of a drawing's area at random; mirroring doubles the set. Measured: SWD 0.60x and
        // 0.81x of small-data's at 5 equal minutes on things200 and symbola-objects, 0.98x (final) and 1.09x (last
        // three evaluations) at 15 minutes on things200.
        return new Choice(GanPresets.SmallData, GanPresets.SmallDataConfig with { Resolution = resolution, Cutout = false, HorizontalFlip = true },
            $"a CPU at {resolution} px: the DCGAN family (small-data without cutout, with flips) beat small-data at 5 CPU minutes and tied at 15 in bench/quality.sh, and beat the few-shot family at 5");
    }

    /// <summary>The few-shot family as a CPU affords it: base width 16 and latent 128 (FastGAN's widths are 4x that).</summary>
    private static GanConfig FewShotOnCpu(int resolution) =>
        GanPresets.FewShotConfig with { Resolution = resolution, GeneratorChannels = 16, DiscriminatorChannels = 16, LatentDim = 128 };

    /// <summary>
    /// Resolves <c>auto</c> with overrides: the choice for the overrides' resolution on this device, recorded in
    /// <see cref="GanConfig.Recipe"/> and <see cref="GanConfig.RecipeReason"/>; a <c>minutes</c> budget without
    /// <c>iterations</c> becomes the iterations that many minutes give on the measured CPU. The overrides win.
    /// </summary>
    public static (GanConfig? Config, IReadOnlyDictionary<string, string> Errors) Resolve(JsonObject? overrides, bool gpu)
    {
        var resolution = Read(overrides, "resolution") is { } r && r is >= 16 and <= 1024 ? (int)r : GanPresets.SmallDataConfig.Resolution;
        var choice = Choose(resolution, gpu, Read(overrides, "minutes") is { } budget && budget > 0 ? budget : null);
        var baseConfig = choice.Config with { Recipe = choice.Preset, RecipeReason = choice.Reason };
        if (Read(overrides, "minutes") is { } minutes && minutes > 0 && Read(overrides, "iterations") is null && !gpu)
        {
            var iterations = minutes * 60 / CpuSecondsPerIteration(choice.Preset, resolution);
            baseConfig = baseConfig with { Iterations = (int)Math.Clamp(iterations, 1, 10_000_000) };
        }
        return GanPresets.ApplyOverrides(baseConfig, overrides);
    }

    private static double? Read(JsonObject? overrides, string field)
    {
        var node = overrides?.FirstOrDefault(kv => string.Equals(kv.Key, field, StringComparison.OrdinalIgnoreCase)).Value;
        if (node is not JsonValue value) return null;
        if (value.TryGetValue<double>(out var number)) return number;
        return value.TryGetValue<int>(out var integer) ? integer : null;
    }
}
