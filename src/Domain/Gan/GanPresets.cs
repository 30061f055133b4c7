using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

using GanService.Domain.Imaging;

namespace GanService.Domain.Gan;

/// <summary>
/// Named starting configurations. Any field can be overridden with a JSON object of camelCase fields
/// (the <c>config</c> of <c>POST /api/runs</c>); the result is validated and errors name the field.
/// </summary>
public static class GanPresets
{
    public const string SmallData = "small-data";
    public const string DcganClassic = "dcgan-classic";
    public const string FewShot = "few-shot";
    public const string Auto = AutoRecipe.Name;
    /// <summary>The default: <c>auto</c>, which picks one of the others for the device and the budget (<see cref="AutoRecipe"/>).</summary>
    public const string Default = Auto;

    public static IReadOnlyList<string> Names { get; } = [Auto, SmallData, FewShot, DcganClassic];

    /// <summary>
    /// The default, for a few dozen to a few thousand drawings trained on a CPU.
    /// <list type="bullet">
    /// <item>Spectral norm in D + hinge loss (Miyato et al. 2018): the most robust GAN recipe without tuning;
    ///   no batch statistics in D, so small batches and augmented batches behave.</item>
    /// <item>DiffAugment color+translation+cutout (Zhao et al. 2020): with few images, D memorises the set and
    ///   G collapses; augmenting real and fake alike keeps D honest without leaking augmentations into G.</item>
    /// <item>EMA 0.999 of G's weights for samples (Karras et al.; Yazici et al. 2019): smoother, better samples
    ///   for free.</item>
    /// <item>Widths ngf = ndf = 32, latent 128, batch 32: at 64x64 the measured step on this 2-core CPU is
    ///   about 3x faster than ngf = ndf = 64 (0.36-0.40 s vs 1.13-1.16 s at batch 64), and a small D
    ///   overfits small data less. Latent 128 is a common SN-GAN size (and avoids latent 100, whose
    ///   ConvTranspose kernel is wrong in libtorch 2.10; our G uses an exact Linear there anyway).</item>
    /// <item>Adam 2e-4, beta1 0.5, beta2 0.999, one D step per G step: SN-GAN's setting "C", stable for
    ///   DCGAN-like nets and half the cost of nCritic 5.</item>
    /// </list>
    /// </summary>
    public static GanConfig SmallDataConfig { get; } = new()
    {
        Resolution = 64,
        Channels = 1,
        Iterations = 5000,
        BatchSize = 32,
        LatentDim = 128,
        GeneratorChannels = 32,
        DiscriminatorChannels = 32,
        Loss = GanLoss.Hinge,
        SpectralNorm = true,
        Augment = GanAugment.DiffAugment,
        EmaDecay = 0.999,
        InstanceNoise = 0,
        R1Gamma = 0,
        LrG = 2e-4,
        LrD = 2e-4,
        Beta1 = 0.5,
        Beta2 = 0.999,
        NCritic = 1,
    };

    /// <summary>
    /// DCGAN as published (Radford, Metz, Chintala 2016): BCE loss, batch norm in G and D (not on D's input
    /// layer nor G's output), ReLU in G, LeakyReLU 0.2 in D, Tanh output, weights N(0, 0.02), Adam lr 2e-4
    /// with beta1 0.5, batch 128, latent 100, ngf = ndf = 64, 64x64, no augmentation, no EMA.
    /// </summary>
    public static GanConfig DcganClassicConfig { get; } = new()
    {
        Resolution = 64,
        Channels = 1,
        Iterations = 5000,
        BatchSize = 128,
        LatentDim = 100,
        GeneratorChannels = 64,
        DiscriminatorChannels = 64,
        Loss = GanLoss.Bce,
        SpectralNorm = false,
        Augment = GanAugment.None,
        EmaDecay = 0,
        InstanceNoise = 0,
        R1Gamma = 0,
        LrG = 2e-4,
        LrD = 2e-4,
        Beta1 = 0.5,
        Beta2 = 0.999,
        NCritic = 1,
    };

    /// <summary>
    /// FastGAN as released (Liu et al. 2021; FastGAN-pytorch train.py): its generator with skip-layer excitation
    /// and its self-supervised discriminator (<see cref="GanFamily.FastGan"/>), ngf = ndf = 64, latent 256, batch 8,
    /// hinge with random margins, spectral norm on every conv, Adam 2e-4 (0.5, 0.999), DiffAugment color +
    /// translation, random horizontal flips, EMA 0.999 (with a warm-up: early weights are not averaged in for long),
    /// 256 px, 50,000 iterations. The decoders are scored with L1, since LPIPS needs pretrained VGG weights (its
    /// author reports plain MSE ends about the same, FastGAN-pytorch issue #21). Made for a GPU: on a CPU it needs far
    /// more time than the DCGAN family for a first recognisable picture.
    /// </summary>
    public static GanConfig FewShotConfig { get; } = new()
    {
        Family = GanFamily.FastGan,
        Resolution = 256,
        Channels = 1,
        Iterations = 50_000,
        BatchSize = 8,
        LatentDim = 256,
        GeneratorChannels = 64,
        DiscriminatorChannels = 64,
        Loss = GanLoss.RandomHinge,
        SpectralNorm = true,
        Augment = GanAugment.DiffAugment,
        Cutout = false,
        HorizontalFlip = true,
        Reconstruction = ReconstructionLoss.L1,
        EmaDecay = 0.999,
        LrG = 2e-4,
        LrD = 2e-4,
        Beta1 = 0.5,
        Beta2 = 0.999,
        NCritic = 1,
    };

    /// <summary>JSON options for configs: camelCase names, case-insensitive reading (web defaults).</summary>
    public static JsonSerializerOptions JsonOptions { get; } = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        };
        // Enums (preprocess.fit) as camelCase strings: "pad", "crop", "stretch".
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        options.MakeReadOnly();
        return options;
    }

    /// <summary>The preset's configuration, or null when the name is unknown. Null or empty = the default.</summary>
    public static GanConfig? Find(string? name) => (string.IsNullOrWhiteSpace(name) ? Default : name.Trim()) switch
    {
        Auto => AutoRecipe.Resolve(null, GanDevice.CudaAvailable).Config,
        SmallData => SmallDataConfig,
        DcganClassic => DcganClassicConfig,
        FewShot => FewShotConfig,
        _ => null,
    };

    /// <summary>Preset plus overrides, validated. Throws <see cref="GanConfigException"/> naming the bad fields.</summary>
    public static GanConfig Resolve(string? preset, JsonObject? overrides = null)
    {
        var (config, errors) = TryResolve(preset, overrides);
        return config ?? throw new GanConfigException(errors);
    }

    /// <summary>Preset plus overrides (a JSON object), validated.</summary>
    public static GanConfig Resolve(string? preset, JsonElement overrides)
    {
        var obj = ToObject(overrides, out var error);
        if (error is not null)
            throw new GanConfigException(new Dictionary<string, string> { ["config"] = error });
        return Resolve(preset, obj);
    }

    /// <summary>
    /// Preset plus overrides, validated. Returns the config, or null and field → message. Unknown fields and
    /// values of the wrong JSON type are errors too.
    /// </summary>
    public static (GanConfig? Config, IReadOnlyDictionary<string, string> Errors) TryResolve(string? preset, JsonObject? overrides)
    {
        if (string.IsNullOrWhiteSpace(preset) || preset.Trim() == Auto)
            return AutoRecipe.Resolve(overrides, GanDevice.CudaAvailable);
        var baseConfig = Find(preset);
        if (baseConfig is null)
            return (null, new Dictionary<string, string> { ["preset"] = $"unknown preset '{preset}': use {string.Join(" or ", Names)}" });
        return ApplyOverrides(baseConfig, overrides);
    }

    /// <summary>Applies overrides to a configuration and validates the result.</summary>
    public static (GanConfig? Config, IReadOnlyDictionary<string, string> Errors) ApplyOverrides(GanConfig baseConfig, JsonObject? overrides)
    {
        var errors = new Dictionary<string, string>();
        var merged = JsonSerializer.SerializeToNode(baseConfig, JsonOptions)!.AsObject();
        var properties = JsonOptions.GetTypeInfo(typeof(GanConfig)).Properties
            .Where(p => p.Set is not null)
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in overrides ?? [])
        {
            if (!properties.TryGetValue(key, out var property))
            {
                errors[key] = "unknown field";
                continue;
            }
            if (property.PropertyType == typeof(PreprocessOptions) && value is JsonObject nested)
            {
                // Merge field by field onto the base's options, so {"preprocess":{"denoise":2}} keeps the rest.
                var mergedNested = MergePreprocess(baseConfig.EffectivePreprocess, nested, errors);
                if (mergedNested is not null)
                    merged[property.Name] = mergedNested;
                continue;
            }
            try
            {
                var parsed = value?.Deserialize(property.PropertyType, JsonOptions);
                if (parsed is null && property.PropertyType.IsValueType && Nullable.GetUnderlyingType(property.PropertyType) is null)
                    throw new JsonException("null");
                if (parsed is null && property.PropertyType == typeof(string))
                    throw new JsonException("null");
                if (parsed is IEnumerable<string?> list && list.Any(s => s is null))
                    throw new JsonException("null item");
                merged[property.Name] = value?.DeepClone();
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or NotSupportedException)
            {
                errors[property.Name] = $"must be {Describe(property.PropertyType)}";
            }
        }
        if (errors.Count > 0)
            return (null, errors);
        var config = merged.Deserialize<GanConfig>(JsonOptions)!;
        var validation = config.Validate();
        return validation.Count > 0 ? (null, validation) : (config, validation);
    }

    private static JsonObject? MergePreprocess(PreprocessOptions baseOptions, JsonObject overrides, Dictionary<string, string> errors)
    {
        var result = JsonSerializer.SerializeToNode(baseOptions, JsonOptions)!.AsObject();
        var properties = JsonOptions.GetTypeInfo(typeof(PreprocessOptions)).Properties
            .Where(p => p.Set is not null)
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        var ok = true;
        foreach (var (key, value) in overrides)
        {
            if (!properties.TryGetValue(key, out var property))
            {
                errors["preprocess." + key] = "unknown field";
                ok = false;
                continue;
            }
            try
            {
                var parsed = value?.Deserialize(property.PropertyType, JsonOptions);
                if (parsed is null)
                    throw new JsonException("null");
                result[property.Name] = value!.DeepClone();
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or NotSupportedException or ArgumentException)
            {
                errors["preprocess." + property.Name] = $"must be {Describe(property.PropertyType)}";
                ok = false;
            }
        }
        return ok ? result : null;
    }

    private static string Describe(Type type) => type switch
    {
        _ when type.IsEnum => "one of " + string.Join(", ", EnumNames(type)),
        _ when type == typeof(FitMode) => "one of pad, crop, stretch",
        _ when type == typeof(PreprocessOptions) => "an object of preprocessing options",
        _ when type == typeof(int) => "an integer",
        _ when type == typeof(int?) => "an integer or null",
        _ when type == typeof(double) => "a number",
        _ when type == typeof(double?) => "a number or null",
        _ when type == typeof(bool) => "true or false",
        _ when type == typeof(string) => "a string",
        _ when typeof(IEnumerable<string>).IsAssignableFrom(type) => "a list of strings",
        _ => $"a {type.Name}",
    };

    /// <summary>An enum's wire names, as <see cref="JsonOptions"/> writes them.</summary>
    private static IEnumerable<string> EnumNames(Type type) =>
        Enum.GetValues(type).Cast<object>().Select(v => JsonSerializer.Serialize(v, type, JsonOptions).Trim('"'));

    private static JsonObject? ToObject(JsonElement element, out string? error)
    {
        error = null;
        if (element.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
            return null;
        if (element.ValueKind != JsonValueKind.Object)
        {
            error = "must be a JSON object";
            return null;
        }
        return JsonObject.Create(element);
    }
}
