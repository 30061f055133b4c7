using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Domain.Gan.Training;

/// <summary>
/// Exponential moving average of a module's weights into a shadow module of the same architecture (the "EMA
/// generator" of ProGAN/StyleGAN): after each optimiser step, shadow = d * shadow + (1 - d) * source for every
/// parameter, while buffers (batch-norm running statistics and the like) are copied, not averaged.
/// d = <see cref="Decay"/>, or with ramp-up min(Decay, (1 + step) / (10 + step)) (step = updates done so far), so
/// that the average does not drag the random initialisation along early in training.
/// The shadow's own weights go into a checkpoint as a module; <see cref="ICheckpointable"/> here carries only the
/// step count.
/// </summary>
public sealed class ExponentialMovingAverage : ICheckpointable
{
    private readonly (Tensor Source, Tensor Shadow)[] _parameters;
    private readonly (Tensor Source, Tensor Shadow)[] _buffers;

    /// <param name="source">The trained module.</param>
    /// <param name="shadow">A module with the same parameter and buffer names and shapes; it is overwritten with the
    /// source's current state and its parameters stop requiring gradients.</param>
    public ExponentialMovingAverage(nn.Module source, nn.Module shadow, double decay = 0.999, bool rampUp = false)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(shadow);
        if (!(decay >= 0 && decay <= 1)) throw new ArgumentOutOfRangeException(nameof(decay));
        if (ReferenceEquals(source, shadow)) throw new ArgumentException("The shadow must be a separate module.", nameof(shadow));
        Source = source;
        Shadow = shadow;
        Decay = decay;
        RampUp = rampUp;
        _parameters = Pair(source.named_parameters().Select(p => (p.name, (Tensor)p.parameter)),
            shadow.named_parameters().Select(p => (p.name, (Tensor)p.parameter)), "parameter");
        _buffers = Pair(source.named_buffers(), shadow.named_buffers(), "buffer");
        using (no_grad())
        {
            foreach (var (_, s) in _parameters) s.requires_grad_(false);
        }
        CopyToShadow();
    }

    public nn.Module Source { get; }
    public nn.Module Shadow { get; }
    public double Decay { get; }
    public bool RampUp { get; }

    /// <summary>Updates done so far.</summary>
    public long Steps { get; private set; }

    /// <summary>The decay the next <see cref="Update"/> uses.</summary>
    public double CurrentDecay => RampUp ? Math.Min(Decay, (1.0 + Steps) / (10.0 + Steps)) : Decay;

    /// <summary>shadow = d * shadow + (1 - d) * source for parameters; shadow = source for buffers.</summary>
    public void Update()
    {
        var d = CurrentDecay;
        using (no_grad())
        using (NewDisposeScope())
        {
            foreach (var (src, dst) in _parameters)
                dst.mul_(d).add_(src.detach(), alpha: 1.0 - d);
            foreach (var (src, dst) in _buffers)
                dst.copy_(src);
        }
        Steps++;
    }

    /// <summary>Copies every parameter and buffer of the source into the shadow (the state at construction).</summary>
    public void CopyToShadow()
    {
        using (no_grad())
        {
            foreach (var (src, dst) in _parameters) dst.copy_(src);
            foreach (var (src, dst) in _buffers) dst.copy_(src);
        }
    }

    public void Save(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(Steps);
    }

    public void Load(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        Steps = reader.ReadInt64();
    }

    private static (Tensor, Tensor)[] Pair(IEnumerable<(string name, Tensor t)> source, IEnumerable<(string name, Tensor t)> shadow, string what)
    {
        var src = source.ToList();
        var dst = shadow.ToDictionary(p => p.name, p => p.t);
        if (dst.Count != src.Count)
            throw new ArgumentException($"Source has {src.Count} {what}s, the shadow {dst.Count}.", nameof(shadow));
        var pairs = new (Tensor, Tensor)[src.Count];
        for (var k = 0; k < src.Count; k++)
        {
            var (name, t) = src[k];
            if (!dst.TryGetValue(name, out var s))
                throw new ArgumentException($"The shadow has no {what} '{name}'.", nameof(shadow));
            if (!t.shape.SequenceEqual(s.shape) || t.dtype != s.dtype)
                throw new ArgumentException($"{what} '{name}': shape or dtype differ.", nameof(shadow));
            pairs[k] = (t, s);
        }
        return pairs;
    }
}
