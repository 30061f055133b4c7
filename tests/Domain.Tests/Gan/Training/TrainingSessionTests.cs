using GanService.Domain.Gan;
using GanService.Domain.Gan.Data;
using GanService.Domain.Gan.Training;

namespace GanService.Domain.Tests.Gan.Training;

[Collection(TorchCollection.Name)]
public class TrainingSessionTests
{
    private static readonly GanConfig Tiny = GanPresets.SmallDataConfig with
    {
        Resolution = 16, BatchSize = 4, LatentDim = 16, GeneratorChannels = 8, DiscriminatorChannels = 8,
        Iterations = 20, Seed = 3, Threads = 1, SampleEvery = 10, EvaluateEvery = 10, CheckpointEvery = 10,
    };

    private static readonly TrainingSessionOptions Options = new()
    {
        Trainer = new GanTrainerOptions { LogEvery = 5, EvaluationSamples = 16, DiversityPairs = 8, FixedSamples = 4 },
    };

    private static TrainingData Data(int n = 12) => GanTrainerTests.Data(n);

    private static (TrainingOutcome Outcome, RecordingSink Sink) Run(GanConfig config, TrainingData data, RecordingSink? sink = null,
        byte[]? checkpoint = null, TrainingSessionOptions? options = null)
    {
        using var stream = checkpoint is null ? null : new MemoryStream(checkpoint);
        using var session = new TrainingSession(config, data, checkpoint: stream, options: options ?? Options);
        sink ??= new RecordingSink();
        sink.Session = session;
        return (session.RunAsync(sink).GetAwaiter().GetResult(), sink);
    }

    [Fact]
    public void A_last_iteration_on_every_cadence_gets_its_sample_evaluation_and_checkpoint_once()
    {
        using var data = Data();
        var (outcome, sink) = Run(Tiny, data);

        Assert.Equal(TrainingStop.Iterations, outcome.Stop);
        Assert.Equal(20, outcome.Iteration);
        Assert.Equal([5L, 10, 15, 20], sink.Progress.Select(r => r.Iteration));
        Assert.Equal([10L, 20], sink.Samples);
        Assert.Equal([10L, 20], sink.Evaluations.Select(r => r.Iteration));
        Assert.Equal([10L, 20], sink.Checkpoints.Keys);
    }

    [Fact]
    public void A_last_iteration_off_the_cadence_gets_the_open_interval_a_sample_an_evaluation_and_a_checkpoint()
    {
        using var data = Data();
        var (outcome, sink) = Run(Tiny with { Iterations = 13 }, data);

        Assert.Equal(13, outcome.Iteration);
        Assert.Equal([5L, 10, 13], sink.Progress.Select(r => r.Iteration));
        Assert.Equal([10L, 13], sink.Samples);
        Assert.Equal([10L, 13], sink.Evaluations.Select(r => r.Iteration));
        Assert.Equal([10L, 13], sink.Checkpoints.Keys);
        Assert.All(sink.Evaluations, r => Assert.True(r.Swd > 0 && r.LossD is null, $"{r}"));
    }

    [Theory]
    [InlineData(StopEnding.Checkpoint, new long[] { 10, 13 })]
    [InlineData(StopEnding.None, new long[] { 10 })]
    public void A_stop_the_sink_asks_for_ends_the_session_with_its_ending_only(StopEnding ending, long[] checkpoints)
    {
        using var data = Data();
        var stop = new TrainingStop("host", ending);
        var (outcome, sink) = Run(Tiny with { Iterations = 1000 }, data, new RecordingSink { StopAt = 13, Stop = stop });

        Assert.Same(stop, outcome.Stop);
        Assert.Equal(13, outcome.Iteration);
        Assert.Equal(checkpoints, sink.Checkpoints.Keys);
        Assert.Equal([10L], sink.Samples);
        Assert.Equal([10L], sink.Evaluations.Select(r => r.Iteration));
    }

    [Fact]
    public void A_session_resumed_from_a_checkpoint_writes_the_rows_an_uninterrupted_one_writes()
    {
        using var data = Data();
        var (_, whole) = Run(Tiny, data);
        var (_, first) = Run(Tiny with { Iterations = 10 }, data);

        var (resumed, second) = Run(Tiny, data, checkpoint: first.Checkpoints[10]);

        Assert.Equal(10, resumed.FirstIteration);
        Assert.Equal(10, resumed.IterationsDone);
        Assert.Equal([20L], second.Checkpoints.Keys); // the one it resumed from is not written again
        static object Values(MetricRow r) => r with { Seconds = 0 };
        Assert.Equal(whole.Progress.Where(r => r.Iteration > 10).Select(Values), second.Progress.Select(Values));
        Assert.Equal(whole.Evaluations.Where(r => r.Iteration > 10).Select(Values), second.Evaluations.Select(Values));
    }

    [Fact]
    public void A_divergence_stops_without_a_checkpoint_of_the_diverged_weights()
    {
        using var data = Data(24);
        data.Images.narrow(0, 0, 12).fill_(double.NaN); // every batch of 24 draws some
        var config = Tiny with { BatchSize = 24, Iterations = 1000, CheckpointEvery = 2, SampleEvery = 0, EvaluateEvery = 0 };
        var (outcome, sink) = Run(config, data, options: Options with { Trainer = Options.Trainer with { LogEvery = 2 } });

        Assert.Equal(TrainingStop.Diagnosis, outcome.Stop);
        Assert.Equal(2, outcome.Iteration);
        Assert.Empty(sink.Checkpoints);
        Assert.Empty(sink.Samples);
    }

    [Fact]
    public void A_spent_time_budget_stops_with_the_final_writes()
    {
        using var data = Data();
        var (outcome, sink) = Run(Tiny with { Iterations = 1000 }, data, options: Options with { Budget = TimeSpan.Zero });

        Assert.Equal(TrainingStop.TimeBudget, outcome.Stop);
        Assert.Equal(0, outcome.IterationsDone);
        Assert.Equal([0L], sink.Samples);
        Assert.Equal([0L], sink.Checkpoints.Keys);
    }

    [Fact]
    public void The_runs_minutes_count_the_seconds_of_earlier_attempts()
    {
        using var data = Data();
        // One minute of budget, of which earlier attempts used 60 s: nothing is left, whatever this machine's speed.
        var (outcome, sink) = Run(Tiny with { Iterations = 1000, Minutes = 1 }, data, options: Options with { SecondsBefore = 60 });

        Assert.Equal(TrainingStop.TimeBudget, outcome.Stop);
        Assert.Equal(0, outcome.IterationsDone);
        Assert.Equal([0L], sink.Checkpoints.Keys);
    }

    private sealed class RecordingSink : ITrainingSink
    {
        public TrainingSession? Session { get; set; }
        public long StopAt { get; init; } = -1;
        public TrainingStop? Stop { get; init; }
        public List<MetricRow> Progress { get; } = [];
        public List<MetricRow> Evaluations { get; } = [];
        public List<long> Samples { get; } = [];
        public SortedDictionary<long, byte[]> Checkpoints { get; } = [];

        public Task<TrainingStop?> PollAsync() => Task.FromResult(Session!.Trainer.Iteration == StopAt ? Stop : null);

        public Task OnProgressAsync(TrainingProgress progress, MetricRow row)
        {
            Progress.Add(row);
            return Task.CompletedTask;
        }

        public Task OnSampleAsync(long iteration, byte[] png)
        {
            Assert.Equal(0x89, png[0]);
            Samples.Add(iteration);
            return Task.CompletedTask;
        }

        public Task OnEvaluationAsync(EvaluationResult evaluation, MetricRow row)
        {
            Evaluations.Add(row);
            return Task.CompletedTask;
        }

        public Task OnCheckpointAsync(long iteration)
        {
            Assert.False(Checkpoints.ContainsKey(iteration), $"checkpoint {iteration} written twice");
            using var buffer = new MemoryStream();
            Session!.Trainer.SaveCheckpoint(buffer);
            Checkpoints.Add(iteration, buffer.ToArray());
            return Task.CompletedTask;
        }
    }
}
