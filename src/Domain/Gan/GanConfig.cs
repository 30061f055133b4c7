using System.Numerics;
using GanService.Domain.Imaging;

namespace GanService.Domain.Gan;

/// <summary>Loss names accepted in <see cref="GanConfig.Loss"/>.</summary>
public static class GanLoss
{
    public const string Bce = "bce";
    public const string Hinge = "hinge";
    public const string WganGp = "wgan-gp";
    /// <summary>FastGAN's hinge: D's margins are drawn from U(0.8, 1) per logit each step; G: -D(G(z)).</summary>
    public const string RandomHinge = "random-hinge";
    public static readonly IReadOnlyList<string> All = [Bce, Hinge, WganGp, RandomHinge];
}

/// <summary>Augmentation names accepted in <see cref="GanConfig.Augment"/>.</summary>
public static class GanAugment
{
    public const string None = "none";
    /// <summary>DiffAugment (Zhao et al. 2020) with the color, translation and cutout policy, on real and fake.</summary>
    public const string DiffAugment = "diffaugment";
    /// <summary>DiffAugment whose probability adapts to D's overfitting (ADA-style heuristic r_t = E[sign(D(real))]).</summary>
    public const string Adaptive = "adaptive";
    public static readonly IReadOnlyList<string> All = [None, DiffAugment, Adaptive];
}

/// <summary>The network family a run trains (<see cref="GanConfig.Family"/>).</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<GanFamily>))]
public enum GanFamily
{
    /// <summary>DCGAN-style G and D (<see cref="GanGenerator"/>, <see cref="GanDiscriminator"/>), 16 to 256 px.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("dcgan")] Dcgan,

    /// <summary>
    /// FastGAN (Liu et al. 2021): skip-layer excitation in G, a self-supervised D with decoders, 32 to 1024 px
    /// (<see cref="FewShot.FewShotGenerator"/>, <see cref="FewShot.FewShotDiscriminator"/>).
    /// </summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("fastgan")] FastGan,
}

/// <summary>What the few-shot discriminator's decoders are scored on (<see cref="GanConfig.Reconstruction"/>).</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<ReconstructionLoss>))]
public enum ReconstructionLoss
{
    /// <summary>Mean absolute pixel error.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("l1")] L1,

    /// <summary>L1 on pixels plus L1 on horizontal and vertical differences (edges: suits line art).</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("l1-gradients")] L1Gradients,
}

/// <summary>
/// The training configuration of one run. JSON names are the camelCase property names (docs API.md: the
/// <c>config</c> of <c>POST /api/runs</c>). Start from <see cref="GanPresets"/> and override fields; call
/// <see cref="Validate"/> (or use <see cref="GanPresets.Resolve(string?, System.Text.Json.Nodes.JsonObject?)"/>).
/// </summary>
public sealed record GanConfig
{
    /// <summary>The network family: <c>dcgan</c> (default) or <c>fastgan</c>.</summary>
    public GanFamily Family { get; init; } = GanFamily.Dcgan;
    /// <summary>Square image size the models work at: a power of two, 16 to 256 (dcgan) or 32 to 1024 (fastgan).</summary>
    public int Resolution { get; init; } = 64;
    /// <summary>Image channels: 1 (grayscale) or 3 (RGB).</summary>
    public int Channels { get; init; } = 1;
    /// <summary>Training iterations (one D step, or nCritic D steps, plus one G step).</summary>
    public int Iterations { get; init; } = 5000;
    /// <summary>
    /// A training-time budget in minutes (null = none): training ends, with a final checkpoint, when either the
    /// iterations or the minutes are spent. The <c>auto</c> preset also turns it into an iteration count.
    /// </summary>
    public double? Minutes { get; init; }
    /// <summary>What the <c>auto</c> preset chose (a preset name), or null; informational, set by the preset.</summary>
    public string? Recipe { get; init; }
    /// <summary>Why <c>auto</c> chose <see cref="Recipe"/>, in plain words; informational.</summary>
    public string? RecipeReason { get; init; }
    public int BatchSize { get; init; } = 32;
    /// <summary>Size of the latent vector z.</summary>
    public int LatentDim { get; init; } = 128;
    /// <summary>Generator width: channels of its last hidden layer (ngf); deeper layers have up to 8x.</summary>
    public int GeneratorChannels { get; init; } = 32;
    /// <summary>Discriminator width: channels of its first layer (ndf); deeper layers have up to 8x.</summary>
    public int DiscriminatorChannels { get; init; } = 32;
    /// <summary><c>bce</c>, <c>hinge</c> or <c>wgan-gp</c> (see <see cref="GanLoss"/>).</summary>
    public string Loss { get; init; } = GanLoss.Hinge;
    /// <summary>
    /// Spectral normalisation on every discriminator layer (weights and projection embedding). Without it, D
    /// uses batch norm (DCGAN), except with wgan-gp, whose per-sample gradient penalty forbids batch statistics.
    /// The fastgan family always normalises every conv of G and D, as FastGAN does.
    /// </summary>
    public bool SpectralNorm { get; init; } = true;
    /// <summary><c>none</c>, <c>diffaugment</c> or <c>adaptive</c> (see <see cref="GanAugment"/>).</summary>
    public string Augment { get; init; } = GanAugment.DiffAugment;
    /// <summary>DiffAugment's cutout (on by default; FastGAN trains with color and translation only).</summary>
    public bool Cutout { get; init; } = true;
    /// <summary>Mirror real images left-right at random (off for drawings that must not be mirrored, such as text).</summary>
    public bool HorizontalFlip { get; init; }
    /// <summary>The few-shot discriminator's reconstruction loss (fastgan only).</summary>
    public ReconstructionLoss Reconstruction { get; init; } = ReconstructionLoss.L1;
    /// <summary>Decay of the exponential moving average of G's weights used for samples; 0 turns EMA off.</summary>
    public double EmaDecay { get; init; } = 0.999;
    /// <summary>Initial standard deviation of Gaussian noise added to D's inputs (annealed to 0); 0 is off.</summary>
    public double InstanceNoise { get; init; }
    /// <summary>Weight of the R1 gradient penalty on real images; 0 is off.</summary>
    public double R1Gamma { get; init; }
    public double LrG { get; init; } = 2e-4;
    public double LrD { get; init; } = 2e-4;
    public double Beta1 { get; init; } = 0.5;
    public double Beta2 { get; init; } = 0.999;
    /// <summary>Discriminator steps per generator step.</summary>
    public int NCritic { get; init; } = 1;
    /// <summary>Class-conditional GAN on the images' labels (label embedding in G, projection D).</summary>
    public bool Conditional { get; init; }
    /// <summary>Number of classes for a conditional run: 0 = taken from the dataset's labels, else 2 to 1000.</summary>
    public int NumClasses { get; init; }
    /// <summary>
    /// The label of each class index of a conditional run, in index order: recorded by the trainer from the images'
    /// labels when it starts (a value sent with a run is replaced), so generation can take "cat" instead of 0.
    /// </summary>
    public IReadOnlyList<string>? ClassNames { get; init; }
    /// <summary>Random seed; null = pick one (the trainer records the one it used).</summary>
    public int? Seed { get; init; }
    /// <summary>Write a sample grid every N iterations (0 = only at the end).</summary>
    public int SampleEvery { get; init; } = 250;
    /// <summary>Write a checkpoint every N iterations (0 = only at the end).</summary>
    public int CheckpointEvery { get; init; } = 1000;
    /// <summary>Compute the quality metrics every N iterations (0 = only at the end).</summary>
    public int EvaluateEvery { get; init; } = 500;
    /// <summary>
    /// Which scheduled checkpoints this run keeps besides its best and its latest: every Nth (multiples of N x
    /// checkpointEvery); 0 keeps all; null follows the server (Retention:KeepEvery, default 1).
    /// </summary>
    public int? KeepCheckpoints { get; init; }
    /// <summary>Train only on images that have at least one of these tags (empty = all).</summary>
    public IReadOnlyList<string> IncludeTags { get; init; } = [];
    /// <summary>Leave out images that have any of these tags.</summary>
    public IReadOnlyList<string> ExcludeTags { get; init; } = [];
    /// <summary>
    /// Train only on photos taken on or after this time (the image's takenAt: EXIF, else the zip entry's date);
    /// with either bound set, images without a date are left out.
    /// </summary>
    public DateTime? TakenFrom { get; init; }
    /// <summary>Train only on photos taken up to this time; a date alone ("2019-06-30") includes that whole day.</summary>
    public DateTime? TakenTo { get; init; }

    /// <summary>The end of the <see cref="TakenTo"/> range, exclusive.</summary>
    public DateTime? TakenBefore => TakenTo is not { } to ? null : to.TimeOfDay == TimeSpan.Zero ? to.AddDays(1) : to.AddTicks(1);
    /// <summary>Image clean-up before training (docs API.md, "Preprocessing options"); null = <see cref="PreprocessOptions.Default"/>.</summary>
    public PreprocessOptions? Preprocess { get; init; }
    /// <summary>
    /// torch CPU threads for training; 0 = chosen by the trainer (the processor count), which records the count it
    /// used here. Seeded runs are reproducible only at the same thread count, so a resume keeps the recorded one.
    /// </summary>
    public int Threads { get; init; }

    /// <summary>The clean-up options in effect (<see cref="Preprocess"/> or the default).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public PreprocessOptions EffectivePreprocess => Preprocess ?? PreprocessOptions.Default;

    /// <summary>Number of 2x up- (G) or down-sampling (D) stages between 4x4 and <see cref="Resolution"/>.</summary>
    public int Stages => BitOperations.Log2((uint)Math.Max(Resolution, 4)) - 2;

    /// <summary>Batch norm in D: DCGAN style, only without spectral norm and not with wgan-gp.</summary>
    public bool DiscriminatorBatchNorm => !SpectralNorm && Loss != GanLoss.WganGp;

    /// <summary>Checks every field. Returns field (camelCase, as in JSON) → message; empty when valid.</summary>
    public IReadOnlyDictionary<string, string> Validate()
    {
        var e = new Dictionary<string, string>();
        if (Family == GanFamily.FastGan && (Resolution < 32 || Resolution > 1024 || !BitOperations.IsPow2(Resolution)))
            e["resolution"] = "must be a power of two from 32 to 1024 for fastgan (32, 64, 128, 256, 512 or 1024)";
        else if (Family == GanFamily.Dcgan && (Resolution < 16 || Resolution > 256 || !BitOperations.IsPow2(Resolution)))
            e["resolution"] = "must be a power of two from 16 to 256 (16, 32, 64, 128 or 256)";
        if (!Enum.IsDefined(Family))
            e["family"] = "must be dcgan or fastgan";
        if (!Enum.IsDefined(Reconstruction))
            e["reconstruction"] = "must be l1 or l1-gradients";
        if (Channels is not (1 or 3))
            e["channels"] = "must be 1 (grayscale) or 3 (RGB)";
        Range(e, "iterations", Iterations, 1, 10_000_000);
        if (KeepCheckpoints is < 0 or > 1_000_000)
            e["keepCheckpoints"] = "must be 0 (keep every checkpoint) to 1000000 (every Nth scheduled checkpoint), or null for the server's setting";
        if (Minutes is { } minutes && !(minutes > 0 && minutes <= 100_000))
            e["minutes"] = "must be greater than 0 and at most 100000, or null (no time budget)";
        Range(e, "batchSize", BatchSize, 1, 1024);
        Range(e, "latentDim", LatentDim, 1, 1024);
        Range(e, "generatorChannels", GeneratorChannels, 4, 1024);
        Range(e, "discriminatorChannels", DiscriminatorChannels, 4, 1024);
        if (Family == GanFamily.FastGan && !e.ContainsKey("resolution"))
        {
            // FastGAN's widths shrink to base/8 at 1024 and base/4 at 512; every layer keeps at least one channel.
            var minimum = Math.Max(4, Resolution / 128);
            if (GeneratorChannels < minimum)
                e["generatorChannels"] = $"must be at least {minimum} for fastgan at {Resolution} px";
            if (DiscriminatorChannels < minimum)
                e["discriminatorChannels"] = $"must be at least {minimum} for fastgan at {Resolution} px";
            if (Loss == GanLoss.WganGp)
                e["loss"] = "wgan-gp needs a discriminator without batch norm; fastgan's has batch norm: use random-hinge or hinge";
        }
        if (!GanLoss.All.Contains(Loss))
            e["loss"] = $"must be one of {string.Join(", ", GanLoss.All)}";
        if (!GanAugment.All.Contains(Augment))
            e["augment"] = $"must be one of {string.Join(", ", GanAugment.All)}";
        if (!(EmaDecay >= 0 && EmaDecay < 1))
            e["emaDecay"] = "must be 0 (off) or between 0 and 1 (e.g. 0.999), excluding 1";
        if (!(InstanceNoise >= 0 && InstanceNoise <= 1))
            e["instanceNoise"] = "must be between 0 (off) and 1";
        if (!(R1Gamma >= 0 && R1Gamma <= 1000))
            e["r1Gamma"] = "must be between 0 (off) and 1000";
        if (!(LrG > 0 && LrG <= 0.1))
            e["lrG"] = "must be greater than 0 and at most 0.1";
        if (!(LrD > 0 && LrD <= 0.1))
            e["lrD"] = "must be greater than 0 and at most 0.1";
        if (!(Beta1 >= 0 && Beta1 < 1))
            e["beta1"] = "must be from 0 to below 1";
        if (!(Beta2 >= 0 && Beta2 < 1))
            e["beta2"] = "must be from 0 to below 1";
        Range(e, "nCritic", NCritic, 1, 20);
        if (NumClasses != 0 && (NumClasses < 2 || NumClasses > 1000))
            e["numClasses"] = "must be 0 (from the dataset's labels) or from 2 to 1000";
        Range(e, "sampleEvery", SampleEvery, 0, int.MaxValue);
        Range(e, "checkpointEvery", CheckpointEvery, 0, int.MaxValue);
        Range(e, "evaluateEvery", EvaluateEvery, 0, int.MaxValue);
        Range(e, "threads", Threads, 0, 1024);
        if (Preprocess is not null)
        {
            try
            {
                Preprocess.Validate();
            }
            catch (ArgumentException ex)
            {
                var field = string.IsNullOrEmpty(ex.ParamName) ? "preprocess" : "preprocess." + JsonNamingCamel(ex.ParamName);
                var message = ex.Message;
                var cut = message.IndexOf(" (Parameter", StringComparison.Ordinal);
                e[field] = cut >= 0 ? message[..cut] : message;
            }
        }
        Tags(e, "includeTags", IncludeTags);
        Tags(e, "excludeTags", ExcludeTags);
        if (TakenFrom is { } from && TakenBefore is { } before && from >= before)
            e["takenTo"] = $"must not be before takenFrom ({from:yyyy-MM-dd HH:mm:ss})";
        if (!e.ContainsKey("includeTags") && !e.ContainsKey("excludeTags"))
        {
            var both = IncludeTags.Intersect(ExcludeTags, StringComparer.OrdinalIgnoreCase).ToList();
            if (both.Count > 0)
                e["excludeTags"] = $"tags both included and excluded: {string.Join(", ", both)}";
        }
        return e;
    }

    private static string JsonNamingCamel(string name) => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(name);

    private static void Range(Dictionary<string, string> e, string field, int value, int min, int max)
    {
        if (value < min || value > max)
            e[field] = max == int.MaxValue ? $"must be at least {min}" : $"must be from {min} to {max}";
    }

    private static void Tags(Dictionary<string, string> e, string field, IReadOnlyList<string>? tags)
    {
        if (tags is null)
            e[field] = "must be a list of tags";
        else if (tags.Count > 100)
            e[field] = "at most 100 tags";
        else if (tags.Any(t => string.IsNullOrWhiteSpace(t) || t.Length > 64))
            e[field] = "tags must be non-empty and at most 64 characters";
    }

    /// <summary>Value equality that also compares the tag lists by content.</summary>
    public bool Equals(GanConfig? other) =>
        other is not null
        && EqualityContract == other.EqualityContract
        && Resolution == other.Resolution && Channels == other.Channels && Iterations == other.Iterations
        && BatchSize == other.BatchSize && LatentDim == other.LatentDim
        && GeneratorChannels == other.GeneratorChannels && DiscriminatorChannels == other.DiscriminatorChannels
        && Family == other.Family && Cutout == other.Cutout && HorizontalFlip == other.HorizontalFlip
        && Minutes == other.Minutes && Recipe == other.Recipe && RecipeReason == other.RecipeReason
        && Reconstruction == other.Reconstruction
        && Loss == other.Loss && SpectralNorm == other.SpectralNorm && Augment == other.Augment
        && EmaDecay.Equals(other.EmaDecay) && InstanceNoise.Equals(other.InstanceNoise)
        && R1Gamma.Equals(other.R1Gamma) && LrG.Equals(other.LrG) && LrD.Equals(other.LrD)
        && Beta1.Equals(other.Beta1) && Beta2.Equals(other.Beta2) && NCritic == other.NCritic
        && Conditional == other.Conditional && NumClasses == other.NumClasses && Seed == other.Seed
        && (ClassNames ?? []).SequenceEqual(other.ClassNames ?? [])
        && SampleEvery == other.SampleEvery && CheckpointEvery == other.CheckpointEvery
        && EvaluateEvery == other.EvaluateEvery && Threads == other.Threads && KeepCheckpoints == other.KeepCheckpoints
        && Equals(Preprocess, other.Preprocess)
        && IncludeTags.SequenceEqual(other.IncludeTags) && ExcludeTags.SequenceEqual(other.ExcludeTags)
        && TakenFrom == other.TakenFrom && TakenTo == other.TakenTo;

    public override int GetHashCode() => HashCode.Combine(Resolution, LatentDim, GeneratorChannels,
        DiscriminatorChannels, Loss, Augment, Iterations, Seed);
}

/// <summary>An invalid run configuration: <see cref="Errors"/> maps each bad field (camelCase) to a message.</summary>
public sealed class GanConfigException(IReadOnlyDictionary<string, string> errors)
    : Exception("Invalid GAN configuration: " + string.Join("; ", errors.Select(kv => $"{kv.Key}: {kv.Value}")))
{
    public IReadOnlyDictionary<string, string> Errors { get; } = errors;
}
