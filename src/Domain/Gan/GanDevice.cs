using TorchSharp;

namespace GanService.Domain.Gan;

/// <summary>Picks the device that models and tensors live on.</summary>
public static class GanDevice
{
    /// <summary>True when libtorch was built with CUDA (the libtorch-cuda package) and sees a GPU.</summary>
    public static bool CudaAvailable => torch.cuda.is_available();

    /// <summary>
    /// The device for a preference: "cuda" (fails when no GPU is usable), "cpu", or "auto"/null (CUDA when
    /// available, else CPU).
    /// </summary>
    public static torch.Device Select(string? preference = null)
    {
        switch (preference?.Trim().ToLowerInvariant())
        {
            case null or "" or "auto":
                return CudaAvailable ? torch.CUDA : torch.CPU;
            case "cpu":
                return torch.CPU;
            case "cuda":
                if (!CudaAvailable)
                    throw new InvalidOperationException(
                        "CUDA was asked for but is not available (CPU libtorch build, or no GPU visible).");
                return torch.CUDA;
            default:
                throw new ArgumentException($"Unknown device '{preference}': use auto, cpu or cuda.", nameof(preference));
        }
    }
}
