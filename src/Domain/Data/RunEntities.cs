namespace GanService.Domain.Data;

/// <summary>
/// The states of a run. Stored and sent as lowercase strings ("queued"), as the HTTP contract spells them; the allowed
/// moves between them are written down once, in <see cref="GanService.Domain.Jobs.RunTransitions"/>.
/// </summary>
[System.Text.Json.Serialization.JsonConverter(typeof(RunStatusJsonConverter))]
public enum RunStatus
{
    /// Waiting for a slot under its owner's maxConcurrentRuns.
    Pending,
    /// Admitted and on the queue; a trainer will claim it (also while paused for a fault, or after yielding its turn).
    Queued,
    Running,
    Completed,
    Failed,
    Cancelled,
}

public static class RunStatuses
{
    /// From here a run never moves again.
    public static bool IsTerminal(this RunStatus status) => status is RunStatus.Completed or RunStatus.Failed or RunStatus.Cancelled;

    /// Holds one of its owner's slots.
    public static bool IsActive(this RunStatus status) => status is RunStatus.Queued or RunStatus.Running;

    /// The wire and database spelling.
    public static string ToWire(this RunStatus status) => status switch
    {
        RunStatus.Pending => "pending",
        RunStatus.Queued => "queued",
        RunStatus.Running => "running",
        RunStatus.Completed => "completed",
        RunStatus.Failed => "failed",
        RunStatus.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static RunStatus Parse(string wire) => wire switch
    {
        "pending" => RunStatus.Pending,
        "queued" => RunStatus.Queued,
        "running" => RunStatus.Running,
        "completed" => RunStatus.Completed,
        "failed" => RunStatus.Failed,
        "cancelled" => RunStatus.Cancelled,
        _ => throw new FormatException($"'{wire}' is not a run status."),
    };
}

/// Lowercase on the wire ("queued"), as the database holds it.
public sealed class RunStatusJsonConverter() : System.Text.Json.Serialization.JsonStringEnumConverter<RunStatus>(System.Text.Json.JsonNamingPolicy.CamelCase, allowIntegerValues: false);

/// <summary>
/// A training run. This row is the truth about the run: the queue only carries "train run X". Progress, the
/// checkpoint pointer and the lease are updated by the worker that holds the lease, fenced by <see cref="Attempt"/>.
/// </summary>
public sealed class Run
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid OwnerId { get; set; }
    public Guid DatasetId { get; set; }
    public required string Name { get; set; }
    public required string Preset { get; set; }
    /// The resolved GanConfig (preset + overrides, seed and threads filled in) as camelCase JSON.
    public required string ConfigJson { get; set; }
    public RunStatus Status { get; set; } = RunStatus.Queued;
    public long Iteration { get; set; }
    public long TotalIterations { get; set; }
    public double? ImagesPerSecond { get; set; }
    public double? EtaSeconds { get; set; }

    // The latest logging interval's averages.
    public double? LossD { get; set; }
    public double? LossG { get; set; }
    public double? DReal { get; set; }
    public double? DFake { get; set; }
    public double? AugmentP { get; set; }
    public long SkippedSteps { get; set; }

    // The latest evaluation on the EMA generator.
    public long? EvaluatedIteration { get; set; }
    public double? Swd { get; set; }
    public double? SwdRealFloor { get; set; }
    public double? Diversity { get; set; }
    public double? RealDiversity { get; set; }
    public double? NearestNeighbourRatio { get; set; }

    /// The trainer's diagnoses as a JSON array of {code, iteration, message, suggestion}.
    public string DiagnosticsJson { get; set; } = "[]";
    public string? Error { get; set; }

    /// <summary>
    /// Why a queued run waits, in plain words ("Waiting for storage: ..."), after a storage or database fault outlasted
    /// the worker's retries; cleared when it trains again. <see cref="WaitingSince"/> lengthens the pause between tries.
    /// </summary>
    public string? WaitingReason { get; set; }
    public DateTime? WaitingSince { get; set; }

    public DateTime CreatedAt { get; set; } = DateTime.UtcNow;
    /// When it last entered the queue (admission, promotion or requeue after a time slice): the queue's order.
    public DateTime? QueuedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
    public DateTime UpdatedAt { get; set; } = DateTime.UtcNow;

    public bool CancelRequested { get; set; }

    /// The fencing token: incremented by every claim. A worker writes only while the row still has its attempt.
    public int Attempt { get; set; }
    public string? LeaseOwner { get; set; }
    public DateTime? LeaseExpiresAt { get; set; }
    public string? JobId { get; set; }

    /// The committed checkpoint pointer: written only after the blob under its immutable key is complete.
    public long? CheckpointIteration { get; set; }
    public string? CheckpointKey { get; set; }

    /// The best evaluation so far (lowest SWD among those that do not copy the training set; see BestCheckpoint), written
    /// with a committed checkpoint at that iteration, so generation can always use it. Null before the first evaluation.
    public long? BestIteration { get; set; }
    public double? BestSwd { get; set; }
    public double? BestDiversity { get; set; }

    /// Forks start from another run's checkpoint.
    public Guid? ParentRunId { get; set; }
    public long? ParentIteration { get; set; }

    /// The sweep that created the run, if any, and the grid values it used ({field: value}, camelCase JSON).
    public Guid? SweepId { get; set; }
    public string? SweepValuesJson { get; set; }

    /// Training seconds over all attempts (the maximum runtime counts these).
    public double SecondsTrained { get; set; }
}

/// <summary>
/// A hyperparameter sweep: one run per combination of the grid's values, each the base config plus its combination.
/// The runs carry <see cref="Run.SweepId"/> and their combination; the sweep keeps what was asked for.
/// </summary>
public sealed class Sweep
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid OwnerId { get; set; }
    public Guid DatasetId { get; set; }
    public required string Name { get; set; }
    public required string Preset { get; set; }
    /// The base overrides as sent (camelCase JSON object), before the grid's values.
    public required string ConfigJson { get; set; }
    /// The grid: {field: [values]} with the fields' canonical (camelCase) names.
    public required string GridJson { get; set; }
    public DateTime CreatedAt { get; set; } = DateTime.UtcNow;
}

public sealed class RunCheckpoint
{
    public Guid RunId { get; set; }
    public long Iteration { get; set; }
    public required string BlobKey { get; set; }
    public long SizeBytes { get; set; }
    /// <summary>Lower-case hex SHA-256 of the blob as written, checked on every load; null for checkpoints written before it.</summary>
    public string? Sha256 { get; set; }
    public int Attempt { get; set; }
    public DateTime CreatedAt { get; set; } = DateTime.UtcNow;
}

public sealed class RunSample
{
    public Guid RunId { get; set; }
    public long Iteration { get; set; }
    public required string BlobKey { get; set; }
    public DateTime CreatedAt { get; set; } = DateTime.UtcNow;
}

/// One logging interval or one evaluation of a run; rows past a resumed checkpoint are replaced by the replay.
public sealed class RunMetric
{
    public long Id { get; set; }
    public Guid RunId { get; set; }
    public long Iteration { get; set; }
    public int Attempt { get; set; }
    public double Seconds { get; set; }
    public double? LossD { get; set; }
    public double? LossG { get; set; }
    public double? DReal { get; set; }
    public double? DFake { get; set; }
    public double? AugmentP { get; set; }
    public double? Swd { get; set; }
    public double? SwdRealFloor { get; set; }
    public double? Diversity { get; set; }
    public double? RealDiversity { get; set; }
    public double? NearestNeighbourRatio { get; set; }
    public DateTime CreatedAt { get; set; } = DateTime.UtcNow;
}
