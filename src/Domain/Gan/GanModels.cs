using TorchSharp;
using TorchSharp.Modules;
using GanService.Domain.Gan.FewShot;
using static TorchSharp.torch;

namespace GanService.Domain.Gan;

/// <summary>Builds the generator and discriminator a configuration asks for.</summary>
public static class GanModels
{
    /// <summary>
    /// Weight initialisation draws from torch's global generator, which the whole process shares. A run seeds it and
    /// builds its nets under this lock (<see cref="Seeded{T}"/>), and every construction takes it too, so a generator
    /// loaded for a request or a second run starting in the same process cannot draw between a run's seed and its
    /// weights (which made "same seed, same run" fail now and then while other work ran).
    /// </summary>
    private static readonly Lock GlobalRandom = new();

    /// <summary>Seeds torch's global generator and runs <paramref name="build"/> with no other construction in between.</summary>
    public static T Seeded<T>(long seed, Func<T> build)
    {
        ArgumentNullException.ThrowIfNull(build);
        lock (GlobalRandom)
        {
            torch.manual_seed(seed);
            return build();
        }
    }

    /// <summary>
    /// fastgan: <see cref="FewShotGenerator"/>; dcgan: <see cref="ConditionalGenerator"/> when conditional (numClasses
    /// must be set), else <see cref="GanGenerator"/>.
    /// </summary>
    public static IGanGenerator CreateGenerator(GanConfig config)
    {
        lock (GlobalRandom)
        {
            return config.Family switch
            {
                GanFamily.FastGan => new FewShotGenerator(config),
                _ when config.Conditional => new ConditionalGenerator(config),
                _ => new GanGenerator(config),
            };
        }
    }

    /// <summary>fastgan: <see cref="FewShotDiscriminator"/>; dcgan: <see cref="ProjectionDiscriminator"/> when conditional, else <see cref="GanDiscriminator"/>.</summary>
    public static IGanDiscriminator CreateDiscriminator(GanConfig config)
    {
        lock (GlobalRandom)
        {
            return config.Family switch
            {
                GanFamily.FastGan => new FewShotDiscriminator(config),
                _ when config.Conditional => new ProjectionDiscriminator(config),
                _ => new GanDiscriminator(config),
            };
        }
    }
}

/// <summary>DCGAN weight initialisation.</summary>
public static class GanInit
{
    /// <summary>
    /// Conv, transposed conv and linear weights N(0, 0.02), biases 0; batch-norm weights N(1, 0.02), biases 0
    /// (Radford et al. 2016). Spectrally normalised layers initialise themselves; embeddings are left alone.
    /// </summary>
    public static void Dcgan(nn.Module module)
    {
        using var noGrad = no_grad();
        foreach (var m in module.modules())
        {
            switch (m)
            {
                case Conv2d conv:
                    nn.init.normal_(conv.weight, 0, 0.02);
                    if (conv.bias is not null) nn.init.zeros_(conv.bias);
                    break;
                case ConvTranspose2d convT:
                    nn.init.normal_(convT.weight, 0, 0.02);
                    if (convT.bias is not null) nn.init.zeros_(convT.bias);
                    break;
                case Linear linear:
                    nn.init.normal_(linear.weight, 0, 0.02);
                    if (linear.bias is not null) nn.init.zeros_(linear.bias);
                    break;
                case BatchNorm2d bn:
                    if (bn.weight is not null) nn.init.normal_(bn.weight, 1, 0.02);
                    if (bn.bias is not null) nn.init.zeros_(bn.bias);
                    break;
            }
        }
    }
}

/// <summary>Guards for the trainer's optimiser steps.</summary>
public static class OptimizerStep
{
    /// <summary>
    /// True when every gradient is finite (parameters without a gradient are ignored). The trainer should skip
    /// and count an optimiser step whose gradients are not (zero the gradients instead of stepping): one NaN
    /// would otherwise poison the weights and Adam's moments for good (docs: TORCHSHARP.md).
    /// </summary>
    public static bool GradientsAreFinite(IEnumerable<Parameter> parameters)
    {
        using var scope = NewDisposeScope();
        // A sum is NaN or infinite when any term is (finite gradients cannot overflow float32's 3e38), so one
        // reduction per tensor and a single host sync cover them all.
        var sums = parameters.Select(p => p.grad).OfType<Tensor>().Select(g => g.sum()).ToList();
        return sums.Count == 0 || isfinite(stack(sums)).all().ToBoolean();
    }

    /// <summary>Steps when the gradients are finite; else zeroes them and returns false (count it as skipped).</summary>
    public static bool StepIfFinite(optim.Optimizer optimizer, IEnumerable<Parameter> parameters)
    {
        if (GradientsAreFinite(parameters))
        {
            optimizer.step();
            return true;
        }
        optimizer.zero_grad();
        return false;
    }
}
