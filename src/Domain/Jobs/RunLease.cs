using GanService.Domain.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GanService.Domain.Jobs;

/// <summary>A run claimed by one attempt: the attempt is the fencing token of every write to the run.</summary>
internal sealed record RunClaim(Guid RunId, int Attempt, Run Run);

internal sealed class LeaseLostException(Guid runId, int attempt)
    : Exception($"Run {runId}: attempt {attempt} no longer holds the lease.");

/// <summary>Writes fenced by a claim's attempt.</summary>
internal static class RunFence
{
    /// <summary>Runs <paramref name="write"/> in a transaction that commits only when it reports the fenced run row updated.</summary>
    public static async Task WriteAsync(IServiceScopeFactory scopes, RunClaim claim, Func<GanDbContext, Task<int>> write, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GanDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (await write(db) == 1)
            await transaction.CommitAsync(cancellationToken);
        else
            throw new LeaseLostException(claim.RunId, claim.Attempt);
    }
}

/// <summary>
/// Renews the lease every third of its length on its own task (a training step may take seconds) and reads the
/// cancel flag. A renewal that finds another attempt in the row, or that cannot reach the database before the
/// lease runs out, marks the lease lost: the training loop then stops without writing anything.
/// </summary>
internal sealed class LeaseKeeper : IDisposable
{
    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _time;
    private readonly TimeSpan _lease;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private volatile bool _lost;
    private volatile bool _cancelRequested;

    public LeaseKeeper(IServiceScopeFactory scopes, TimeProvider time, TimeSpan lease, ILogger logger, RunClaim claim)
    {
        (_scopes, _time, _lease, _logger) = (scopes, time, lease, logger);
        _cancelRequested = claim.Run.CancelRequested;
        _loop = Task.Run(() => LoopAsync(claim, _stop.Token));
    }

    public bool Lost => _lost;

    public bool CancelRequested => _cancelRequested;

    /// <summary>Set when the lease was lost because the database was out of reach (not taken by another attempt).</summary>
    public TransientFault? Unreachable { get; private set; }

    private async Task LoopAsync(RunClaim claim, CancellationToken stop)
    {
        var lastRenewed = _time.GetUtcNow();
        var renewEvery = _lease / 3;
        // The cancel flag is read every second ("stops at the next step"), the lease renewed every third of it.
        var tick = renewEvery < TimeSpan.FromSeconds(1) ? renewEvery : TimeSpan.FromSeconds(1);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(tick, _time, stop);
                await using var scope = _scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<GanDbContext>();
                if (_time.GetUtcNow() - lastRenewed >= renewEvery)
                {
                    var expires = _time.GetUtcNow().UtcDateTime + _lease;
                    var renewed = await db.Runs.Where(r => r.Id == claim.RunId && r.Attempt == claim.Attempt && r.Status == RunStatus.Running)
                        .ExecuteUpdateAsync(s => s.SetProperty(r => r.LeaseExpiresAt, expires), stop);
                    if (renewed == 0)
                    {
                        _lost = true;
                        return;
                    }
                    lastRenewed = _time.GetUtcNow();
                }
                _cancelRequested = await db.Runs.Where(r => r.Id == claim.RunId).Select(r => r.CancelRequested).FirstAsync(stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception problem)
            {
                _logger.LogWarning(problem, "Run {RunId}: lease renewal failed", claim.RunId);
                if (_time.GetUtcNow() - lastRenewed > _lease - renewEvery)
                {
                    Unreachable = TransientFaults.Classify(problem);
                    _lost = true;
                    return;
                }
            }
        }
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
    }

    public void Dispose() => _stop.Dispose();
}
