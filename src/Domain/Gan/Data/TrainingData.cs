using GanService.Domain.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Domain.Gan.Data;

/// <summary>One source image of a training set with its tags and optional class label.</summary>
public sealed record TrainingImage(PixelImage Image, IReadOnlyList<string>? Tags = null, string? Label = null);

/// <summary>
/// A training set as one float32 tensor N x C x R x R in [-1, 1] (cleaned once with
/// <see cref="ImagePreprocessor.PrepareAll"/>), plus class ids for conditional runs. Batches are drawn on tensors
/// with a caller's seeded <see cref="Generator"/>, so a run's data order is part of its checkpointed RNG state.
/// </summary>
public sealed class TrainingData : IDisposable
{
    private TrainingData(Tensor images, Tensor? labels, IReadOnlyList<string> classNames, int excludedByTags, int skippedUnlabeled)
    {
        // Owned by this object, never by a caller's dispose scope.
        Images = images.DetachFromDisposeScope();
        Labels = labels?.DetachFromDisposeScope();
        ClassNames = classNames;
        ExcludedByTags = excludedByTags;
        SkippedUnlabeled = skippedUnlabeled;
    }

    /// <summary>N x C x R x R, float32, in [-1, 1].</summary>
    public Tensor Images { get; }

    /// <summary>Class ids (N, int64) for a conditional set; null otherwise.</summary>
    public Tensor? Labels { get; }

    /// <summary>Class names, sorted ordinally; the class id is the index.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    public int ClassCount => ClassNames.Count;

    /// <summary>Images left out by includeTags / excludeTags.</summary>
    public int ExcludedByTags { get; }

    /// <summary>Images without a label that a conditional run skipped.</summary>
    public int SkippedUnlabeled { get; }

    public int Count => (int)Images.shape[0];

    public int Resolution => (int)Images.shape[2];

    public int Channels => (int)Images.shape[1];

    /// <summary>Bytes of the tensors (images and labels), what a cache counts.</summary>
    public long SizeBytes => Images.NumberOfElements * Images.ElementSize + (Labels is null ? 0 : Labels.NumberOfElements * Labels.ElementSize);

    /// <summary>A copy on <paramref name="device"/>, owned by the caller; this one stays as it is.</summary>
    public TrainingData CopyTo(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return new TrainingData(Images.to(device, copy: true), Labels?.to(device, copy: true), ClassNames, ExcludedByTags, SkippedUnlabeled);
    }

    /// <summary>True when an image passes the config's tag filters (case-insensitive).</summary>
    public static bool PassesTags(IReadOnlyList<string>? tags, GanConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        tags ??= [];
        bool Has(string t) => tags.Contains(t, StringComparer.OrdinalIgnoreCase);
        if (config.IncludeTags.Count > 0 && !config.IncludeTags.Any(Has))
            return false;
        return !config.ExcludeTags.Any(Has);
    }

    /// <summary>
    /// Filters by tags, skips unlabeled images when conditional, cleans the rest at the config's resolution and
    /// preprocess options, and converts to C = config.Channels (gray by Rec. 601 luminance, or gray repeated).
    /// Throws <see cref="ArgumentException"/> when no image is left, or when a conditional run has fewer than two
    /// classes or more than config.NumClasses.
    /// </summary>
    public static TrainingData Build(IReadOnlyList<TrainingImage> images, GanConfig config, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(config);
        var kept = images.Where(i => PassesTags(i.Tags, config)).ToList();
        var excluded = images.Count - kept.Count;
        var skipped = 0;
        IReadOnlyList<string> classNames = [];
        if (config.Conditional)
        {
            skipped = kept.Count(i => string.IsNullOrWhiteSpace(i.Label));
            kept = kept.Where(i => !string.IsNullOrWhiteSpace(i.Label)).ToList();
            classNames = kept.Select(i => i.Label!.Trim()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            if (kept.Count > 0 && classNames.Count < 2)
                throw new ArgumentException("a conditional run needs images of at least two labels");
            if (config.NumClasses != 0 && classNames.Count > config.NumClasses)
                throw new ArgumentException($"the images have {classNames.Count} labels, more than numClasses = {config.NumClasses}");
        }
        if (kept.Count == 0)
            throw new ArgumentException(config.Conditional
                ? "no labeled images are left after the tag filters"
                : "no images are left after the tag filters");

        var prepared = ImagePreprocessor.PrepareAll(kept.Select(i => i.Image).ToList(), config.Resolution, config.EffectivePreprocess);
        var tensor = ToTensor(prepared, config.Channels, config.Resolution);
        Tensor? labels = null;
        if (config.Conditional)
        {
            var ids = kept.Select(i => (long)IndexOf(classNames, i.Label!.Trim())).ToArray();
            labels = torch.tensor(ids, dtype: ScalarType.Int64);
        }
        if (device is not null && device.type != DeviceType.CPU)
        {
            tensor = Move(tensor, device);
            if (labels is not null) labels = Move(labels, device);
        }
        return new TrainingData(tensor, labels, classNames, excluded, skipped);
    }

    /// <summary>Wraps an existing image tensor (N x C x R x R in [-1, 1]); takes ownership. For benchmarks and tests.</summary>
    public static TrainingData FromTensor(Tensor images, Tensor? labels = null, IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4 || images.shape[2] != images.shape[3])
            throw new ArgumentException("Expected N x C x R x R.", nameof(images));
        return new TrainingData(images.dtype == ScalarType.Float32 ? images : images.to(ScalarType.Float32), labels, classNames ?? [], 0, 0);
    }

    /// <summary>
    /// A batch drawn uniformly with replacement, using <paramref name="generator"/> (a CPU generator).
    /// Returns images (B x C x R x R) and labels (B) or null.
    /// </summary>
    public (Tensor Images, Tensor? Labels) Sample(int batchSize, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        using var scope = NewDisposeScope();
        var index = randint(0, Count, [batchSize], dtype: ScalarType.Int64, generator: generator).to(Images.device);
        var images = Images.index_select(0, index);
        var labels = Labels?.index_select(0, index);
        return (images.MoveToOuterDisposeScope(), labels?.MoveToOuterDisposeScope());
    }

    /// <summary>Pixels to floats in [-1, 1]: v / 127.5 - 1.</summary>
    public static Tensor ToTensor(IReadOnlyList<PixelImage> images, int channels, int resolution)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels));
        var plane = resolution * resolution;
        var data = new float[(long)images.Count * channels * plane];
        for (var n = 0; n < images.Count; n++)
        {
            var image = images[n];
            if (image.Width != resolution || image.Height != resolution)
                throw new ArgumentException($"image {n} is {image.Width}x{image.Height}, expected {resolution}x{resolution}");
            var px = image.Pixels;
            var baseIndex = (long)n * channels * plane;
            for (var i = 0; i < plane; i++)
            {
                if (image.Channels == channels)
                {
                    for (var c = 0; c < channels; c++)
                        data[baseIndex + c * plane + i] = px[i * channels + c] / 127.5f - 1f;
                }
                else if (channels == 1)
                {
                    var g = 0.299f * px[i * 3] + 0.587f * px[i * 3 + 1] + 0.114f * px[i * 3 + 2];
                    data[baseIndex + i] = g / 127.5f - 1f;
                }
                else
                {
                    var v = px[i] / 127.5f - 1f;
                    for (var c = 0; c < 3; c++)
                        data[baseIndex + c * plane + i] = v;
                }
            }
        }
        return torch.tensor(data, [images.Count, channels, resolution, resolution], dtype: ScalarType.Float32);
    }

    /// <summary>Images in [-1, 1] (N x C x H x W, any device) back to 8-bit <see cref="PixelImage"/>s.</summary>
    public static PixelImage[] ToPixelImages(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        using var scope = NewDisposeScope();
        var bytes = ((images.detach().to(ScalarType.Float32).cpu().clamp(-1, 1) + 1) * 127.5).round().to(ScalarType.Byte)
            .permute(0, 2, 3, 1).contiguous();
        long n = bytes.shape[0], h = bytes.shape[1], w = bytes.shape[2], c = bytes.shape[3];
        var all = bytes.data<byte>().ToArray();
        var result = new PixelImage[n];
        var size = h * w * c;
        for (var i = 0; i < n; i++)
            result[i] = new PixelImage((int)w, (int)h, (int)c, all.AsSpan((int)(i * size), (int)size).ToArray());
        return result;
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
            if (string.Equals(names[i], name, StringComparison.Ordinal)) return i;
        throw new InvalidOperationException();
    }

    private static Tensor Move(Tensor t, Device device)
    {
        var moved = t.to(device);
        t.Dispose();
        return moved;
    }

    public void Dispose()
    {
        Images.Dispose();
        Labels?.Dispose();
    }
}
