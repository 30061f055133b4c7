using System.Collections.Concurrent;
using GanService.Domain.Data;
using Microsoft.EntityFrameworkCore;
using Prometheus;

namespace GanService.Api.Events;

/// <summary>A run as the last poll saw it, with the iterations of its sample grids.</summary>
public sealed record RunSnapshot(Run Run, IReadOnlyList<long> Samples);

/// <summary>
/// One poll of the database for every run that someone follows (GET /api/runs/{id}/events), twice a second, fanned
/// out to all of their subscribers: 200 people watching runs cost two queries a tick, not 200. The run row stays the
/// truth (whichever process trains writes it), so the stream works the same in embedded and server mode.
/// </summary>
public sealed class RunEventsHub(IServiceScopeFactory scopes, ILogger<RunEventsHub> logger) : BackgroundService
{
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(500);

    private readonly ConcurrentDictionary<Guid, int> _watched = new();
    private volatile Poll _latest = new(new Dictionary<Guid, RunSnapshot>(), new HashSet<Guid>());
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed record Poll(IReadOnlyDictionary<Guid, RunSnapshot> Runs, IReadOnlySet<Guid> Asked);

    /// <summary>Database polls so far (a test and /metrics read it: it grows with ticks, not with subscribers).</summary>
    public long Polls => Interlocked.Read(ref _polls);

    private long _polls;

    // The same, and who listens, on /metrics: a load test reads them from outside the process.
    private static readonly Counter PollsTotal = Metrics.CreateCounter("ganservice_run_events_polls_total", "Database polls of followed runs (one per tick for all subscribers).");
    private static readonly Gauge Subscribers = Metrics.CreateGauge("ganservice_run_events_subscribers", "Open run event streams.");

    /// <summary>Follows a run until disposed.</summary>
    public IDisposable Watch(Guid runId)
    {
        _watched.AddOrUpdate(runId, 1, (_, count) => count + 1);
        Subscribers.Inc();
        return new Unwatch(this, runId);
    }

    /// <summary>The run after the next poll that asked for it; null when it no longer exists.</summary>
    public async Task<RunSnapshot?> NextAsync(Guid runId, CancellationToken cancellationToken)
    {
        while (true)
        {
            await Volatile.Read(ref _next).Task.WaitAsync(cancellationToken);
            var poll = _latest;
            // A subscriber that came after a poll began waits for one that included its run.
            if (poll.Asked.Contains(runId)) return poll.Runs.GetValueOrDefault(runId);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var ids = _watched.Where(w => w.Value > 0).Select(w => w.Key).ToHashSet();
            if (ids.Count > 0)
            {
                try
                {
                    _latest = new Poll(await PollAsync(ids, stoppingToken), ids);
                    Interlocked.Increment(ref _polls);
                    PollsTotal.Inc();
                    Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).SetResult();
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // The database is away: subscribers keep their streams and hear again when it is back.
                    logger.LogWarning(exception, "Polling {Count} followed runs failed", ids.Count);
                }
            }
            try { await Task.Delay(Tick, stoppingToken); } catch (OperationCanceledException) { return; }
        }
    }

    private async Task<IReadOnlyDictionary<Guid, RunSnapshot>> PollAsync(HashSet<Guid> ids, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GanDbContext>();
        var runs = await db.Runs.AsNoTracking().Where(r => ids.Contains(r.Id)).ToListAsync(cancellationToken);
        var samples = (await db.RunSamples.AsNoTracking().Where(s => ids.Contains(s.RunId)).Select(s => new { s.RunId, s.Iteration }).ToListAsync(cancellationToken))
            .ToLookup(s => s.RunId, s => s.Iteration);
        return runs.ToDictionary(r => r.Id, r => new RunSnapshot(r, samples[r.Id].Order().ToList()));
    }

    private sealed class Unwatch(RunEventsHub hub, Guid runId) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) != 0) return;
            Subscribers.Dec();
            if (hub._watched.AddOrUpdate(runId, 0, (_, count) => count - 1) <= 0)
                hub._watched.TryRemove(new KeyValuePair<Guid, int>(runId, 0));
        }
    }
}
