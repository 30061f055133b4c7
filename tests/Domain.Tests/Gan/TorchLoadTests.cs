using GanService.Domain.Gan;
using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Domain.Tests.Gan;

/// <summary>
/// Fails when the native TorchSharp bridge or libtorch cannot be loaded, e.g. when the GLIBCXX_3.4.32 need of
/// libLibTorchSharp.so was not marked weak on Debian 12 (build/TorchSharpNative.targets).
/// </summary>
[Collection(TorchCollection.Name)]
public class TorchLoadTests
{
    [Fact]
    public void Native_library_loads_and_computes_a_matmul()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new float[] { 1, 2, 3, 4 }, 2, 2);
        var b = tensor(new float[] { 5, 6, 7, 8 }, 2, 2);
        var c = matmul(a, b);
        Assert.Equal(new float[] { 19, 22, 43, 50 }, c.data<float>().ToArray());
    }

    [Fact]
    public void Autograd_works()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new double[] { 1, 2, 3 }, requires_grad: true);
        var y = (x * x).sum();
        y.backward();
        Assert.Equal(new double[] { 2, 4, 6 }, x.grad!.data<double>().ToArray());
    }

    [Fact]
    public void Device_selection_falls_back_to_cpu_without_cuda()
    {
        var device = GanDevice.Select();
        Assert.Equal(GanDevice.CudaAvailable ? DeviceType.CUDA : DeviceType.CPU, device.type);
        Assert.Equal(DeviceType.CPU, GanDevice.Select("cpu").type);
        Assert.Throws<ArgumentException>(() => GanDevice.Select("tpu"));
        if (!GanDevice.CudaAvailable)
            Assert.Throws<InvalidOperationException>(() => GanDevice.Select("cuda"));
    }
}
