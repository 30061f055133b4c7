using System.Linq.Expressions;
using GanService.Domain.Data;

namespace GanService.Domain.Jobs;

/// <summary>The moves of a run's life; <see cref="RunLifecycle"/> is the only code that makes them.</summary>
public enum RunTransition
{
    /// A new run with a free slot under its owner's maxConcurrentRuns goes on the queue.
    Admit,
    /// A new run over its owner's slots waits.
    Defer,
    /// A waiting run gets a freed slot.
    Promote,
    /// A trainer takes the run (a queued one, or a running one whose worker's lease lapsed).
    Claim,
    /// The trainer gives it back, checkpointed: its time slice ended with others waiting, or the worker shuts down.
    Yield,
    /// A fault no retry mended (storage, database, disk): back on the queue with the reason, resumed later.
    Pause,
    Cancel,
    Complete,
    /// Errors no retry can mend: bad data, divergence, the maximum runtime.
    Fail,
}

/// <summary>
/// Every allowed move, in one table: (transition, from, to). A new run has no "from". Deleting a run is allowed from
/// every status and leaves no row, so it is not a move. Terminal statuses have no way out.
/// </summary>
public static class RunTransitions
{
    public static readonly IReadOnlyList<(RunTransition Transition, RunStatus? From, RunStatus To)> All =
    [
        (RunTransition.Admit, null, RunStatus.Queued),
        (RunTransition.Defer, null, RunStatus.Pending),
        (RunTransition.Promote, RunStatus.Pending, RunStatus.Queued),
        (RunTransition.Claim, RunStatus.Queued, RunStatus.Running),
        (RunTransition.Claim, RunStatus.Running, RunStatus.Running), // only once the holder's lease lapsed
        (RunTransition.Yield, RunStatus.Running, RunStatus.Queued),
        (RunTransition.Pause, RunStatus.Running, RunStatus.Queued),
        (RunTransition.Cancel, RunStatus.Pending, RunStatus.Cancelled),
        (RunTransition.Cancel, RunStatus.Queued, RunStatus.Cancelled),
        (RunTransition.Cancel, RunStatus.Running, RunStatus.Cancelled), // here only once the lease lapsed; else by its worker
        (RunTransition.Complete, RunStatus.Running, RunStatus.Completed),
        (RunTransition.Fail, RunStatus.Running, RunStatus.Failed),
    ];

    /// The statuses a transition may start from.
    public static IReadOnlyList<RunStatus> From(RunTransition transition) =>
        [.. All.Where(t => t.Transition == transition && t.From is not null).Select(t => t.From!.Value).Distinct()];

    /// Where the transition leads from <paramref name="from"/> (null for a new run); null when it is not allowed.
    public static RunStatus? Target(RunTransition transition, RunStatus? from) =>
        All.Where(t => t.Transition == transition && t.From == from).Select(t => (RunStatus?)t.To).FirstOrDefault();

    public static bool Allows(RunTransition transition, RunStatus? from) => Target(transition, from) is not null;

    /// <summary>
    /// The database filter "the run's status allows this transition" (r.Status == A || r.Status == B), so that every
    /// compare-and-swap on a run's row takes its allowed sources from the table above.
    /// </summary>
    public static Expression<Func<Run, bool>> Permits(RunTransition transition)
    {
        var run = Expression.Parameter(typeof(Run), "r");
        var status = Expression.Property(run, nameof(Run.Status));
        var body = From(transition).Select(s => (Expression)Expression.Equal(status, Expression.Constant(s)))
            .Aggregate((Expression)Expression.Constant(false), (any, next) => any is ConstantExpression ? next : Expression.OrElse(any, next));
        return Expression.Lambda<Func<Run, bool>>(body, run);
    }
}
