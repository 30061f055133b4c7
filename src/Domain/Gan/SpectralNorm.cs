using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GanService.Domain.Gan;

/// <summary>
/// Spectral normalisation (Miyato et al. 2018), written by hand because TorchSharp 0.107 has none:
/// the weight used in forward is W / sigma(W), with sigma the largest singular value of W viewed as a
/// (out, in*kh*kw) matrix, estimated by power iteration. As in PyTorch, u and v are buffers (saved with the
/// model), one power iteration runs per forward in training mode, none in eval mode, and the gradient flows
/// through sigma = u^T W v with u and v held constant.
/// </summary>
public static class SpectralNorm
{
    /// <summary>Power iterations at construction, so sigma is accurate from the first step.</summary>
    public const int InitialIterations = 15;

    private const double Eps = 1e-12;

    /// <summary>Random unit u, v for a weight, refined by <paramref name="iterations"/> power iterations.</summary>
    internal static (Tensor U, Tensor V) CreateVectors(Tensor weight, int iterations = InitialIterations)
    {
        using var noGrad = no_grad();
        var matrix = weight.view(weight.shape[0], -1);
        var u = F.normalize(randn(matrix.shape[0], dtype: weight.dtype), dim: 0, eps: Eps);
        var v = F.normalize(randn(matrix.shape[1], dtype: weight.dtype), dim: 0, eps: Eps);
        PowerIterate(matrix, u, v, iterations);
        return (u, v);
    }

    /// <summary>In place: v = normalize(W^T u), u = normalize(W v), <paramref name="iterations"/> times.</summary>
    internal static void PowerIterate(Tensor matrix, Tensor u, Tensor v, int iterations)
    {
        using var noGrad = no_grad();
        for (var i = 0; i < iterations; i++)
        {
            using var scope = NewDisposeScope();
            v.copy_(F.normalize(mv(matrix.t(), u), dim: 0, eps: Eps));
            u.copy_(F.normalize(mv(matrix, v), dim: 0, eps: Eps));
        }
    }

    /// <summary>sigma = u^T W v, differentiable in W.</summary>
    internal static Tensor Sigma(Tensor weight, Tensor u, Tensor v) =>
        dot(u, mv(weight.view(weight.shape[0], -1), v));

    /// <summary>W / sigma(W), after one power iteration when training.</summary>
    internal static Tensor Normalize(Tensor weight, Tensor u, Tensor v, bool training)
    {
        if (training)
        {
            using var detached = weight.detach();
            using var matrix = detached.view(weight.shape[0], -1);
            PowerIterate(matrix, u, v, 1);
            // As PyTorch's spectral_norm: the graph keeps copies, so a second forward (real then fake, or the
            // G step) may update the buffers in place before backward() without breaking autograd.
            using var uc = u.clone();
            using var vc = v.clone();
            return weight / Sigma(weight, uc, vc);
        }
        return weight / Sigma(weight, u, v);
    }
}

/// <summary>
/// Counts the multiply-accumulates of the spectrally normalised layers during one forward pass (bench figures for
/// networks whose shape is easier to run than to write down, such as the fastgan family). Off unless counting.
/// </summary>
public static class MacCounter
{
    [ThreadStatic] private static long? _count;
    [ThreadStatic] private static long _outputs;

    /// <summary>
    /// MACs of one forward of <paramref name="forward"/> (no gradients are taken), and the values those layers
    /// output (what a training forward keeps for backward, once per layer output, before norms and activations).
    /// </summary>
    public static (long Macs, long Outputs) Count(Action forward)
    {
        ArgumentNullException.ThrowIfNull(forward);
        _count = 0;
        _outputs = 0;
        try
        {
            using var noGrad = no_grad();
            forward();
            return (_count.Value, _outputs);
        }
        finally
        {
            _count = null;
        }
    }

    internal static void Add(Tensor output, Tensor weight)
    {
        if (_count is null) return;
        _count += output.numel() / output.shape[1] * weight.numel(); // per output pixel: Cout * Cin * kh * kw
        _outputs += output.numel();
    }
}

/// <summary>Implemented by the spectrally normalised layers, for tests and diagnostics.</summary>
public interface ISpectralNormLayer
{
    /// <summary>The unnormalised weight.</summary>
    Tensor RawWeight { get; }

    /// <summary>The current estimate of the largest singular value of <see cref="RawWeight"/> (no grad).</summary>
    double Sigma();
}

/// <summary>Conv2d with a spectrally normalised weight.</summary>
public sealed class SNConv2d : nn.Module<Tensor, Tensor>, ISpectralNormLayer
{
    private Parameter weight;
    private Parameter? bias;
    private Tensor u;
    private Tensor v;
    private readonly long stride;
    private readonly long padding;

    public SNConv2d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0, bool bias = true)
        : base(nameof(SNConv2d))
    {
        this.stride = stride;
        this.padding = padding;
        weight = nn.Parameter(normal(0, 0.02, [outChannels, inChannels, kernelSize, kernelSize]));
        this.bias = bias ? nn.Parameter(zeros(outChannels)) : null;
        (u, v) = SpectralNorm.CreateVectors(weight);
        RegisterComponents();
    }

    public Tensor RawWeight => weight;

    public double Sigma()
    {
        using var noGrad = no_grad();
        using var s = SpectralNorm.Sigma(weight, u, v);
        return s.ToDouble();
    }

    public override Tensor forward(Tensor input)
    {
        using var w = SpectralNorm.Normalize(weight, u, v, training);
        var output = F.conv2d(input, w, bias, strides: [stride, stride], padding: [padding, padding]);
        MacCounter.Add(output, weight);
        return output;
    }
}

/// <summary>Linear with a spectrally normalised weight.</summary>
public sealed class SNLinear : nn.Module<Tensor, Tensor>, ISpectralNormLayer
{
    private Parameter weight;
    private Parameter? bias;
    private Tensor u;
    private Tensor v;

    public SNLinear(long inFeatures, long outFeatures, bool bias = true) : base(nameof(SNLinear))
    {
        weight = nn.Parameter(normal(0, 0.02, [outFeatures, inFeatures]));
        this.bias = bias ? nn.Parameter(zeros(outFeatures)) : null;
        (u, v) = SpectralNorm.CreateVectors(weight);
        RegisterComponents();
    }

    public Tensor RawWeight => weight;

    public double Sigma()
    {
        using var noGrad = no_grad();
        using var s = SpectralNorm.Sigma(weight, u, v);
        return s.ToDouble();
    }

    public override Tensor forward(Tensor input)
    {
        using var w = SpectralNorm.Normalize(weight, u, v, training);
        var output = F.linear(input, w, bias);
        MacCounter.Add(output, weight);
        return output;
    }
}

/// <summary>Embedding whose (classes x dim) table is spectrally normalised (the projection D's class embedding).</summary>
public sealed class SNEmbedding : nn.Module<Tensor, Tensor>, ISpectralNormLayer
{
    private Parameter weight;
    private Tensor u;
    private Tensor v;

    public SNEmbedding(long numEmbeddings, long embeddingDim) : base(nameof(SNEmbedding))
    {
        weight = nn.Parameter(normal(0, 0.02, [numEmbeddings, embeddingDim]));
        (u, v) = SpectralNorm.CreateVectors(weight);
        RegisterComponents();
    }

    public Tensor RawWeight => weight;

    public double Sigma()
    {
        using var noGrad = no_grad();
        using var s = SpectralNorm.Sigma(weight, u, v);
        return s.ToDouble();
    }

    public override Tensor forward(Tensor labels)
    {
        using var w = SpectralNorm.Normalize(weight, u, v, training);
        return w.index_select(0, labels);
    }
}
