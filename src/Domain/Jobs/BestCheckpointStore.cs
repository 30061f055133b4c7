using GanService.Domain.Data;
using GanService.Domain.Gan.Diagnosis;
using GanService.Domain.Gan.Training;
using Microsoft.EntityFrameworkCore;

namespace GanService.Domain.Jobs;

/// <summary>
/// A run's best checkpoint on its row (<see cref="Run.BestIteration"/>, <see cref="Run.BestSwd"/>,
/// <see cref="Run.BestDiversity"/>): the training loop seeds its <see cref="BestCheckpoint"/> from it when an attempt
/// starts, and writes a new best in the same fenced transaction that commits the checkpoint at that iteration, so a
/// best always names a checkpoint that exists.
/// </summary>
public static class BestCheckpointStore
{
    /// <summary>
    /// The tracker for an attempt that resumes at <paramref name="resumedAt"/>: the stored best, with the evaluations
    /// since it counted from the metric rows. A best past the resume point (never written by the loop, which commits a
    /// best with its checkpoint) is dropped: the replay evaluates those iterations again.
    /// </summary>
    public static async Task<BestCheckpoint> LoadAsync(GanDbContext db, Guid runId, long resumedAt, DiagnosticsOptions? options = null, CancellationToken cancellationToken = default)
    {
        var stored = await db.Runs.AsNoTracking().Where(r => r.Id == runId)
            .Select(r => new { r.BestIteration, r.BestSwd, r.BestDiversity }).FirstOrDefaultAsync(cancellationToken);
        if (stored?.BestIteration is not { } iteration || stored.BestSwd is not { } swd || iteration > resumedAt)
            return new BestCheckpoint(options);
        // Distinct: the final evaluation may repeat a scheduled one at the same iteration.
        var since = await db.RunMetrics
            .Where(m => m.RunId == runId && m.Swd != null && m.Iteration > iteration && m.Iteration <= resumedAt)
            .Select(m => m.Iteration).Distinct().CountAsync(cancellationToken);
        return new BestCheckpoint(options, new BestEvaluation(iteration, swd, stored.BestDiversity ?? double.NaN), since);
    }

    /// <summary>Writes the best to the run row when <paramref name="attempt"/> still holds it; returns the rows updated (1 or 0), as fenced writes do.</summary>
    public static Task<int> SaveAsync(GanDbContext db, Guid runId, int attempt, BestEvaluation best, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(best);
        // NaN has no JSON spelling: an unmeasured diversity is stored as unknown.
        double? diversity = double.IsFinite(best.Diversity) ? best.Diversity : null;
        return db.Runs.Where(r => r.Id == runId && r.Attempt == attempt)
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.BestIteration, best.Iteration)
                .SetProperty(r => r.BestSwd, best.Swd)
                .SetProperty(r => r.BestDiversity, diversity), cancellationToken);
    }
}
