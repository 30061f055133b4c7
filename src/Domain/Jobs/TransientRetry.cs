using Microsoft.Extensions.Logging;

namespace GanService.Domain.Jobs;

/// <summary>How training rides out storage and database faults. Section <c>Faults</c>.</summary>
public sealed record FaultSettings
{
    /// <summary>A write or read is tried again with backoff (0.5 s, 1 s, 2 s, ... at most 8 s apart) for this long.</summary>
    public double RetrySeconds { get; init; } = 25;

    /// <summary>A run whose fault outlasts the retries waits in the queue this long before it is tried again ...</summary>
    public double PauseSeconds { get; init; } = 15;

    /// <summary>... growing with the time it has waited, up to this.</summary>
    public double MaxPauseSeconds { get; init; } = 120;

    /// <summary>The pause before the next try of a run that has waited since <paramref name="waitingSince"/> (null: first pause).</summary>
    public TimeSpan PauseAfter(DateTime? waitingSince, DateTime now)
    {
        var waited = waitingSince is { } since ? (now - since).TotalSeconds : 0;
        return TimeSpan.FromSeconds(Math.Clamp(waited / 2, PauseSeconds, Math.Max(PauseSeconds, MaxPauseSeconds)));
    }
}

/// <summary>
/// Tries an idempotent operation again while it fails with a <see cref="TransientFaults">transient fault</see>, with
/// exponential backoff, for <see cref="FaultSettings.RetrySeconds"/>; then the fault propagates and the job pauses
/// the run. Any other exception propagates at once.
/// </summary>
public sealed class TransientRetry(FaultSettings settings, TimeProvider time, ILogger logger)
{
    public async Task<T> RunAsync<T>(string what, Func<Task<T>> operation, CancellationToken cancellationToken = default)
    {
        var started = time.GetUtcNow();
        var delay = TimeSpan.FromMilliseconds(500);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await operation();
            }
            catch (Exception problem) when (TransientFaults.Classify(problem) is { } fault
                                            && time.GetUtcNow() - started + delay <= TimeSpan.FromSeconds(settings.RetrySeconds))
            {
                logger.LogWarning("{What} failed ({Reason}); try {Attempt} again in {Delay:0.0} s", what, fault.WaitingReason, attempt + 1, delay.TotalSeconds);
                await Task.Delay(delay, time, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(8).Ticks));
            }
        }
    }

    public Task RunAsync(string what, Func<Task> operation, CancellationToken cancellationToken = default) =>
        RunAsync(what, async () => { await operation(); return true; }, cancellationToken);
}
