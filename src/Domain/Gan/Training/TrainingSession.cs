using System.Diagnostics;
using GanService.Domain.Gan.Data;
using GanService.Domain.Gan.Diagnosis;
using GanService.Domain.Imaging;
using static TorchSharp.torch;

namespace GanService.Domain.Gan.Training;

/// <summary>What a stop writes on the way out.</summary>
public enum StopEnding
{
    /// <summary>Nothing more: a cancel, a lost lease, a divergence (its weights are not worth a checkpoint).</summary>
    None,

    /// <summary>A checkpoint at the stop, to go on from: a shutdown, a preemption, the maximum runtime.</summary>
    Checkpoint,

    /// <summary>The open logging interval's averages, a sample grid, an evaluation and a checkpoint: the run is done.</summary>
    Final,
}

/// <summary>Why a session stopped (<see cref="Reason"/> is what the command line reports as "stoppedBy") and what it wrote on the way out.</summary>
public sealed record TrainingStop(string Reason, StopEnding Ending)
{
    /// <summary>The config's iterations are done.</summary>
    public static readonly TrainingStop Iterations = new("iterations", StopEnding.Final);

    /// <summary>The session's time budget (<see cref="TrainingSessionOptions.Budget"/>) or the run's (<see cref="GanConfig.Minutes"/>) is spent.</summary>
    public static readonly TrainingStop TimeBudget = new("minutes", StopEnding.Final);

    /// <summary>A diagnosis stopped the trainer (<see cref="GanTrainer.Stopped"/>): the last good checkpoint stays the latest.</summary>
    public static readonly TrainingStop Diagnosis = new("diagnosis", StopEnding.None);
}

public sealed record TrainingOutcome(TrainingStop Stop, long FirstIteration, long Iteration, double Seconds)
{
    /// <summary>Iterations trained by this session (a resume starts past zero).</summary>
    public long IterationsDone => Iteration - FirstIteration;
}

/// <summary>
/// Where a <see cref="TrainingSession"/> puts what it produces, and how its host asks it to stop. The command line
/// writes files; the queue's job writes blobs and database rows and answers for cancel, lease, shutdown and scheduling.
/// </summary>
public interface ITrainingSink
{
    /// <summary>Asked before every step: a stop the host wants now (cancel, lease lost, shutdown, ...), or null to go on.</summary>
    Task<TrainingStop?> PollAsync();

    Task OnProgressAsync(TrainingProgress progress, MetricRow row);

    /// <summary>The sample grid from the fixed latents, as PNG.</summary>
    Task OnSampleAsync(long iteration, byte[] png);

    Task OnEvaluationAsync(EvaluationResult evaluation, MetricRow row);

    /// <summary>Save <see cref="TrainingSession.Trainer"/>'s checkpoint (it is at <paramref name="iteration"/>).</summary>
    Task OnCheckpointAsync(long iteration);
}

public sealed record TrainingSessionOptions
{
    public GanTrainerOptions Trainer { get; init; } = new();

    /// <summary>A wall-clock budget for this session; null = none.</summary>
    public TimeSpan? Budget { get; init; }

    /// <summary>Seconds trained before this session (earlier attempts); metric rows count from here.</summary>
    public double SecondsBefore { get; init; }

    /// <summary>The best checkpoint so far, to go on from (a resumed run's, from its database row); null = none yet.</summary>
    public BestCheckpoint? Best { get; init; }
}

/// <summary>
/// The one training loop of the command line and the queue: it builds the trainer (restored from a checkpoint when
/// given), steps it to <see cref="GanConfig.Iterations"/>, and owns the cadence (a sample grid every sampleEvery, an
/// evaluation every evaluateEvery, a checkpoint every checkpointEvery iterations), the stop conditions (iterations,
/// a diagnosis, the time budget, and what the sink's <see cref="ITrainingSink.PollAsync"/> asks for) and the ending:
/// the final log, sample, evaluation and checkpoint are written unless that iteration already has them.
/// </summary>
public sealed class TrainingSession : IDisposable
{
    private readonly TrainingSessionOptions _options;
    private readonly Stopwatch _watch = new();
    private long _sampledAt = -1;
    private long _evaluatedAt = -1;
    private long _checkpointedAt = -1;

    /// <param name="checkpoint">A checkpoint of this run to resume from (positioned at its start), or null to start fresh.</param>
    public TrainingSession(GanConfig config, TrainingData data, Device? device = null, Stream? checkpoint = null, TrainingSessionOptions? options = null)
    {
        _options = options ?? new TrainingSessionOptions();
        Best = _options.Best ?? new BestCheckpoint(_options.Trainer.Diagnostics);
        Trainer = new GanTrainer(config, data, device, _options.Trainer);
        try
        {
            if (checkpoint is not null)
            {
                Trainer.LoadCheckpoint(checkpoint);
                _checkpointedAt = Trainer.Iteration; // resuming from it: no need to write it again
            }
        }
        catch
        {
            Trainer.Dispose();
            throw;
        }
        FirstIteration = Trainer.Iteration;
    }

    public GanTrainer Trainer { get; }

    /// <summary>
    /// The lowest-SWD evaluation whose samples do not copy the training set. Every new best gets a checkpoint at its
    /// iteration, so that generation can use it; a sink saves it with the checkpoint it writes.
    /// </summary>
    public BestCheckpoint Best { get; }

    /// <summary>The iteration this session started from.</summary>
    public long FirstIteration { get; }

    /// <summary>Seconds trained, earlier sessions included.</summary>
    public double SecondsTrained => _options.SecondsBefore + _watch.Elapsed.TotalSeconds;

    /// <summary>Time spent in <see cref="RunAsync"/> so far.</summary>
    public TimeSpan Elapsed => _watch.Elapsed;

    /// <summary>Trains until a stop, writes its ending, and says why it stopped. Exceptions from the sink propagate.</summary>
    public async Task<TrainingOutcome> RunAsync(ITrainingSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        _watch.Start();
        try
        {
            var stop = await TrainAsync(sink);
            if (stop.Ending == StopEnding.Final)
                await FinalAsync(sink);
            else if (stop.Ending == StopEnding.Checkpoint)
                await CheckpointAsync(sink);
            return new TrainingOutcome(stop, FirstIteration, Trainer.Iteration, _watch.Elapsed.TotalSeconds);
        }
        finally
        {
            _watch.Stop();
        }
    }

    private async Task<TrainingStop> TrainAsync(ITrainingSink sink)
    {
        var config = Trainer.Config;
        while (true)
        {
            // A divergence on the last step still fails the run: its weights are not a result.
            if (Trainer.Stopped) return TrainingStop.Diagnosis;
            if (Trainer.Iteration >= config.Iterations) return TrainingStop.Iterations;
            if (await sink.PollAsync() is { } requested) return requested;
            if (_options.Budget is { } budget && _watch.Elapsed >= budget) return TrainingStop.TimeBudget;
            // The run's own budget (config.minutes) counts every attempt's seconds, so a resumed run keeps it.
            if (config.Minutes is { } minutes && SecondsTrained >= minutes * 60) return TrainingStop.TimeBudget;

            if (Trainer.Step())
                await ProgressAsync(sink, Trainer.LatestProgress!);
            var iteration = Trainer.Iteration;
            if (IsDue(config.SampleEvery, iteration)) await SampleAsync(sink);
            if (IsDue(config.EvaluateEvery, iteration)) await EvaluateAsync(sink);
            // A step that a diagnosis stopped is not worth a checkpoint.
            if (IsDue(config.CheckpointEvery, iteration) && !Trainer.Stopped) await CheckpointAsync(sink);
        }
    }

    private static bool IsDue(int every, long iteration) => every > 0 && iteration % every == 0;

    /// <summary>The ending of a finished run, without repeating what the last step already wrote.</summary>
    private async Task FinalAsync(ITrainingSink sink)
    {
        var iteration = Trainer.Iteration;
        if (Trainer.LatestProgress?.Iteration != iteration && Trainer.Log() is { } progress && progress.Iteration == iteration)
            await ProgressAsync(sink, progress); // the averages since the last logging interval
        if (_sampledAt != iteration) await SampleAsync(sink);
        if (_evaluatedAt != iteration) await EvaluateAsync(sink);
        await CheckpointAsync(sink);
    }

    private Task ProgressAsync(ITrainingSink sink, TrainingProgress progress) =>
        sink.OnProgressAsync(progress, MetricRow.From(progress, SecondsTrained));

    private async Task SampleAsync(ITrainingSink sink)
    {
        byte[] png;
        using (var images = Trainer.SampleFixed())
            png = ContactSheet.Render(TrainingData.ToPixelImages(images));
        _sampledAt = Trainer.Iteration;
        await sink.OnSampleAsync(Trainer.Iteration, png);
    }

    private async Task EvaluateAsync(ITrainingSink sink)
    {
        var evaluation = Trainer.Evaluate();
        _evaluatedAt = Trainer.Iteration;
        await sink.OnEvaluationAsync(evaluation, MetricRow.From(evaluation, SecondsTrained));
        if (Best.Offer(evaluation) == BestVerdict.NewBest && !Trainer.Stopped)
            await CheckpointAsync(sink);
        if (GanDiagnostics.Stalled(Best, _options.Trainer.Diagnostics) is { } stalled)
            Trainer.Report(stalled);
    }

    private async Task CheckpointAsync(ITrainingSink sink)
    {
        if (_checkpointedAt == Trainer.Iteration) return;
        await sink.OnCheckpointAsync(Trainer.Iteration);
        _checkpointedAt = Trainer.Iteration;
    }

    public void Dispose() => Trainer.Dispose();
}
