namespace GanService.Domain.Jobs;

/// <summary>
/// What each jobs section must hold, checked at start-up (see <see cref="ValidatedSettings"/>): a bad value stops the
/// process with one line naming the key rather than surfacing later as a lease of -1 s or a cache of NaN MB. Kept apart
/// from the records so that adding a setting there stays a one-line change.
/// </summary>
public static class JobsSettingsRules
{
    public static IEnumerable<string?> Scheduling(SchedulingSettings s) =>
    [
        s.TimeSliceMinutes is { } slice ? ValidatedSettings.Positive("Scheduling", nameof(s.TimeSliceMinutes), slice) : null,
        ValidatedSettings.Positive("Scheduling", nameof(s.MaxRunMinutes), s.MaxRunMinutes),
        ValidatedSettings.Positive("Scheduling", nameof(s.LeaseSeconds), s.LeaseSeconds),
        ValidatedSettings.Positive("Scheduling", nameof(s.ProgressSeconds), s.ProgressSeconds),
        ValidatedSettings.Positive("Scheduling", nameof(s.FairShareHalfLifeHours), s.FairShareHalfLifeHours),
    ];

    public static IEnumerable<string?> Faults(FaultSettings s) =>
    [
        ValidatedSettings.AtLeast("Faults", nameof(s.RetrySeconds), s.RetrySeconds, 0),
        ValidatedSettings.Positive("Faults", nameof(s.PauseSeconds), s.PauseSeconds),
        ValidatedSettings.Positive("Faults", nameof(s.MaxPauseSeconds), s.MaxPauseSeconds),
    ];

    public static IEnumerable<string?> Worker(WorkerSettings s) =>
    [
        s.WorkerCount is { } count ? ValidatedSettings.AtLeast("Worker", nameof(s.WorkerCount), count, 1) : null,
    ];

    public static IEnumerable<string?> Retention(RetentionSettings s) =>
    [
        ValidatedSettings.AtLeast("Retention", nameof(s.KeepEvery), s.KeepEvery, 0),
    ];

    public static IEnumerable<string?> TrainingDataCache(Gan.Data.TrainingDataCacheSettings s) =>
    [
        ValidatedSettings.AtLeast("TrainingDataCache", nameof(s.MaxMegabytes), s.MaxMegabytes, 0),
    ];
}
