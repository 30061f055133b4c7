using System.Text;
using GanService.Domain.Gan.Training;

namespace GanService.Worker.Cli;

/// <summary>
/// The command line's side of a <see cref="TrainingSession"/>: samples/iter_N.png, checkpoints/iter_N.ckpt and
/// metrics.csv (<see cref="MetricsCsv"/>, the Runs API's columns) under the output folder, and a live progress line on
/// standard error. A resume keeps the metrics rows up to its checkpoint and drops the ones past it, which it trains again.
/// </summary>
internal sealed class FolderTrainingSink : ITrainingSink, IDisposable
{
    private readonly TrainingSession _session;
    private readonly TimeSpan? _budget;
    private readonly TextWriter _error;
    private readonly string _samples;
    private readonly string _checkpoints;
    private readonly StreamWriter _metrics;
    private TimeSpan _lastLine = TimeSpan.Zero;

    public FolderTrainingSink(string outDirectory, TrainingSession session, TimeSpan? budget, TextWriter error)
    {
        (_session, _budget, _error) = (session, budget, error);
        Directory.CreateDirectory(outDirectory);
        _checkpoints = Directory.CreateDirectory(Path.Combine(outDirectory, "checkpoints")).FullName;
        _samples = Directory.CreateDirectory(Path.Combine(outDirectory, "samples")).FullName;
        var metricsPath = Path.Combine(outDirectory, "metrics.csv");
        var kept = KeptRows(metricsPath, session.FirstIteration);
        _metrics = new StreamWriter(metricsPath, append: false, new UTF8Encoding(false));
        _metrics.WriteLine(MetricsCsv.Header);
        foreach (var line in kept) _metrics.WriteLine(line);
        _metrics.Flush();
    }

    /// <summary>The latest checkpoint written, or null.</summary>
    public string? LastCheckpoint { get; private set; }

    public Task<TrainingStop?> PollAsync() => Task.FromResult<TrainingStop?>(null);

    public Task OnProgressAsync(TrainingProgress progress, MetricRow row)
    {
        _metrics.WriteLine(MetricsCsv.Line(row));
        var elapsed = _session.Elapsed;
        if (elapsed - _lastLine > TimeSpan.FromSeconds(1))
        {
            _lastLine = elapsed;
            var trainer = _session.Trainer;
            var total = trainer.Config.Iterations;
            var rate = (trainer.Iteration - _session.FirstIteration) / elapsed.TotalSeconds;
            // Whichever ends first: the remaining iterations at this rate, or the --minutes budget.
            var eta = TimeSpan.FromSeconds(Math.Min((total - trainer.Iteration) / Math.Max(rate, 1e-9),
                _budget is { } budget ? (budget - elapsed).TotalSeconds : double.MaxValue));
            _error.Write($"\rit {trainer.Iteration}/{total}  {rate:0.00} it/s  lossD {progress.LossD:0.000}  lossG {progress.LossG:0.000}  D(real) {progress.DReal:0.00}  D(fake) {progress.DFake:0.00}  p {trainer.AugmentP:0.000}  ETA {(int)eta.TotalHours}:{eta:mm\\:ss}   ");
        }
        return Task.CompletedTask;
    }

    public Task OnEvaluationAsync(EvaluationResult e, MetricRow row)
    {
        _metrics.WriteLine(MetricsCsv.Line(row));
        _metrics.Flush();
        _error.Write(FormattableString.Invariant($"\r[eval @ {e.Iteration}] swd {e.Swd:0.00} (real floor {e.SwdRealFloor:0.00})  diversity {e.Diversity:0.000} (real {e.RealDiversity:0.000})  nn ratio {e.NnRatio:0.00}") + Environment.NewLine);
        return Task.CompletedTask;
    }

    public Task OnSampleAsync(long iteration, byte[] png)
    {
        File.WriteAllBytes(Path.Combine(_samples, $"iter_{iteration:D7}.png"), png);
        return Task.CompletedTask;
    }

    public Task OnCheckpointAsync(long iteration)
    {
        var path = Path.Combine(_checkpoints, $"iter_{iteration:D7}.ckpt");
        WriteCheckpoint(_session.Trainer, path);
        LastCheckpoint = path;
        _metrics.Flush(); // the rows up to a checkpoint are on disk with it
        return Task.CompletedTask;
    }

    /// <summary>Writes to a temporary file first, so that a crash never leaves half a checkpoint under the name.</summary>
    public static void WriteCheckpoint(GanTrainer trainer, string path)
    {
        var temporary = path + ".tmp";
        using (var stream = File.Create(temporary))
            trainer.SaveCheckpoint(stream);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>A resumed run's earlier rows: those up to its checkpoint, when the file has this format's header.</summary>
    private static List<string> KeptRows(string path, long upTo)
    {
        if (upTo == 0 || !File.Exists(path)) return [];
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || lines[0] != MetricsCsv.Header) return [];
        return lines.Skip(1).Where(line => MetricsCsv.IterationOf(line) is { } iteration && iteration <= upTo).ToList();
    }

    public void Dispose() => _metrics.Dispose();
}
