namespace GanService.Domain.Jobs;

/// <summary>How runs share the workers. Section <c>Scheduling</c>.</summary>
public sealed record SchedulingSettings
{
    /// <summary>
    /// With runs of other users waiting, a run that has trained this long in one turn is checkpointed and yields its
    /// trainer (the fair order then picks who goes next). On by default; it only acts when someone else waits. Null = off.
    /// </summary>
    public double? TimeSliceMinutes { get; init; } = 15;

    /// <summary>How fast a user's training time is forgotten in the fair order: it counts half after this many hours.</summary>
    public double FairShareHalfLifeHours { get; init; } = 12;

    /// <summary>A run that has trained this long in total stops as failed, its checkpoints kept (fork it to go on).</summary>
    public double MaxRunMinutes { get; init; } = 24 * 60;

    /// <summary>The lease a worker holds on a run; renewed every third of it. A dead worker's run is free after this.</summary>
    public double LeaseSeconds { get; init; } = 30;

    /// <summary>Progress is written to the run row at most this often.</summary>
    public double ProgressSeconds { get; init; } = 1;
}

/// <summary>Where the training queue is served. Section <c>Worker</c>.</summary>
public sealed record WorkerSettings
{
    /// <summary>The API serves the queue itself (embedded mode). Server mode sets false and runs src/Worker.</summary>
    public bool InProcess { get; init; } = true;

    /// <summary>Concurrent trainings per process: the GPU count, or 1 on a CPU. Null = detect.</summary>
    public int? WorkerCount { get; init; }

    /// <summary>The Hangfire queue for training jobs.</summary>
    public const string TrainingQueue = "training";
}
