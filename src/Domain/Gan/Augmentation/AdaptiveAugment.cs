using GanService.Domain.Gan.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Domain.Gan.Augmentation;

/// <summary>Settings of the adaptive augmentation probability.</summary>
public sealed record AdaptiveAugmentOptions
{
    /// <summary>Target of r_t = E[sign(D(real))] (StyleGAN2-ADA: 0.6).</summary>
    public double Target { get; init; } = 0.6;

    /// <summary>D steps over which r_t is accumulated; p is adjusted once per interval (StyleGAN2-ADA: 4).</summary>
    public int Interval { get; init; } = 4;

    /// <summary>
    /// Real images shown to D for p to move by 1 (StyleGAN2-ADA: ada_kimg = 500, i.e. 500,000 images).
    /// Default 64,000: with batch 32 one adjustment is 32*4/64,000 = 0.002, so p can go 0 -> 1 in 500
    /// adjustments = 2,000 iterations (1,000 at batch 64). Our runs are a few thousand iterations on 100-300
    /// images (~100k images shown in total), where 500k images would cap p near 0.2 for the whole run, yet D
    /// memorises such a set within a few hundred iterations; 2k iterations keeps steps small (0.2% of the range)
    /// and the control loop stable (the overfitting signal changes over hundreds of iterations).
    /// </summary>
    public double ImagesToFull { get; init; } = 64_000;

    /// <summary>Starting probability (StyleGAN2-ADA: 0).</summary>
    public double InitialP { get; init; }

    /// <summary>Upper bound of p (StyleGAN2-ADA has none; probabilities above 1 mean nothing here).</summary>
    public double MaxP { get; init; } = 1.0;

    /// <summary>The options for which p can move 0 -> 1 in <paramref name="iterations"/> D steps at this batch size.</summary>
    public static AdaptiveAugmentOptions ForIterationsToFull(int iterations, int batchSize) =>
        new() { ImagesToFull = (double)iterations * batchSize };
}

/// <summary>
/// The adaptive augmentation probability of StyleGAN2-ADA (Karras et al. 2020): after every D step feed in the
/// D logits of the real batch; every <see cref="AdaptiveAugmentOptions.Interval"/> D steps
/// r_t = mean(sign(D(real))) over those steps, and p += sign(r_t - target) * batch * interval / ImagesToFull,
/// clamped to [0, MaxP]. Serialisable (<see cref="ICheckpointable"/>) including the partial accumulators.
/// </summary>
public sealed class AdaptiveAugment : ICheckpointable
{
    public AdaptiveAugment(AdaptiveAugmentOptions? options = null)
    {
        Options = options ?? new AdaptiveAugmentOptions();
        if (Options.Interval < 1) throw new ArgumentOutOfRangeException(nameof(options), "Interval must be >= 1.");
        if (!(Options.ImagesToFull > 0)) throw new ArgumentOutOfRangeException(nameof(options), "ImagesToFull must be > 0.");
        if (!(Options.MaxP >= 0 && Options.MaxP <= 1)) throw new ArgumentOutOfRangeException(nameof(options), "MaxP must be in [0, 1].");
        P = Math.Clamp(Options.InitialP, 0, Options.MaxP);
    }

    public AdaptiveAugmentOptions Options { get; }

    /// <summary>The current augmentation probability.</summary>
    public double P { get; private set; }

    /// <summary>r_t of the last completed interval (NaN before the first).</summary>
    public double LastRt { get; private set; } = double.NaN;

    /// <summary>Number of adjustments made so far.</summary>
    public long Adjustments { get; private set; }

    // Accumulators of the running interval.
    private double _signSum;
    private long _signCount;
    private long _images;
    private int _steps;

    /// <summary>Records one D step's real logits (any shape, first dimension = batch).</summary>
    /// <returns>True when this step closed an interval and p was adjusted.</returns>
    public bool Update(Tensor realLogits)
    {
        ArgumentNullException.ThrowIfNull(realLogits);
        double sum;
        using (no_grad())
        using (var s = realLogits.detach().sign().sum().to(ScalarType.Float64))
            sum = s.item<double>();
        return Update(sum, realLogits.numel(), realLogits.shape[0]);
    }

    /// <summary>Records one D step: the sum of sign(D(real)) over <paramref name="count"/> logits of <paramref name="batchSize"/> images.</summary>
    public bool Update(double signSum, long count, long batchSize)
    {
        _signSum += signSum;
        _signCount += count;
        _images += batchSize;
        if (++_steps < Options.Interval) return false;

        var rt = _signCount > 0 ? _signSum / _signCount : 0.0;
        // sign(rt - target) * (batch * interval) / images; _images is batch * interval for a constant batch.
        var adjust = Math.Sign(rt - Options.Target) * _images / Options.ImagesToFull;
        P = Math.Clamp(P + adjust, 0.0, Options.MaxP);
        LastRt = rt;
        Adjustments++;
        _signSum = 0; _signCount = 0; _images = 0; _steps = 0;
        return true;
    }

    private const int FormatVersion = 1;

    public void Save(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(FormatVersion);
        writer.Write(P);
        writer.Write(LastRt);
        writer.Write(Adjustments);
        writer.Write(_signSum);
        writer.Write(_signCount);
        writer.Write(_images);
        writer.Write(_steps);
    }

    public void Load(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var version = reader.ReadInt32();
        if (version != FormatVersion) throw new InvalidDataException($"Unknown AdaptiveAugment state version {version}.");
        P = reader.ReadDouble();
        LastRt = reader.ReadDouble();
        Adjustments = reader.ReadInt64();
        _signSum = reader.ReadDouble();
        _signCount = reader.ReadInt64();
        _images = reader.ReadInt64();
        _steps = reader.ReadInt32();
    }
}
