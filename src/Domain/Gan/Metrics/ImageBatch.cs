using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Domain.Gan.Metrics;

/// <summary>Argument checks shared by the metrics: images are float tensors N x C x H x W in [-1, 1].</summary>
internal static class ImageBatch
{
    public static void Check(Tensor images, string name, int minCount = 1)
    {
        ArgumentNullException.ThrowIfNull(images, name);
        if (images.dim() != 4)
            throw new ArgumentException($"{name} must be N x C x H x W, got {images.dim()} dimensions.", name);
        if (!images.is_floating_point())
            throw new ArgumentException($"{name} must be a floating-point tensor, got {images.dtype}.", name);
        if (images.shape[0] < minCount)
            throw new ArgumentException($"{name} needs at least {minCount} image(s), got {images.shape[0]}.", name);
        if (images.shape[1] < 1 || images.shape[2] < 1 || images.shape[3] < 1)
            throw new ArgumentException($"{name} has an empty dimension: [{string.Join(", ", images.shape)}].", name);
    }

    public static void CheckSameImageShape(Tensor a, Tensor b, string nameA, string nameB)
    {
        if (a.shape[1] != b.shape[1] || a.shape[2] != b.shape[2] || a.shape[3] != b.shape[3])
            throw new ArgumentException(
                $"{nameA} and {nameB} must have the same C x H x W, got [{string.Join(", ", a.shape[1..])}] and [{string.Join(", ", b.shape[1..])}].");
    }

    /// <summary>The working precision: float64 stays float64 (for reference checks), everything else becomes float32.</summary>
    public static ScalarType WorkType(Tensor t) => t.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
}
