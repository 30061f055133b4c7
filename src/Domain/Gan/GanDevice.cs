using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Domain.Gan;

/// <summary>Picks the device that models and tensors live on.</summary>
public static class GanDevice
{
    /// <summary>True when libtorch was built with CUDA (the libtorch-cuda package) and sees a GPU.</summary>
    public static bool CudaAvailable => torch.cuda.is_available();

    /// <summary>GPUs libtorch can use; 0 on the CPU build.</summary>
    public static int CudaDeviceCount() => CudaAvailable ? torch.cuda.device_count() : 0;

    private static readonly System.Collections.Concurrent.ConcurrentQueue<int> FreeGpus = new(Enumerable.Range(0, CudaDeviceCount()));

    /// <summary>
    /// A device for one training job: a GPU no other job of this process holds (one worker per GPU), else the CPU.
    /// Dispose the lease to give the GPU back.
    /// </summary>
    public static DeviceLease Acquire() =>
        FreeGpus.TryDequeue(out var index) ? new DeviceLease(torch.device(DeviceType.CUDA, index), () => FreeGpus.Enqueue(index)) : new DeviceLease(torch.CPU, null);

    public sealed class DeviceLease(torch.Device device, Action? release) : IDisposable
    {
        private Action? _release = release;

        public torch.Device Device { get; } = device;

        public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
    }

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
