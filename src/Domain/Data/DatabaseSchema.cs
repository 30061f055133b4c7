using Microsoft.EntityFrameworkCore;

namespace GanService.Domain.Data;

public static class DatabaseSchema
{
    /// <summary>
    /// Brings the database to the current migration, for a process that may start at the same moment as another one
    /// doing the same (the API and a worker): when the other wins the race, this one's attempt fails on "already
    /// exists" and, a moment later, finds nothing left to apply.
    /// </summary>
    public static async Task EnsureCurrentAsync(GanDbContext db, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            try
            {
                if (!(await db.Database.GetPendingMigrationsAsync(cancellationToken)).Any()) return;
                await db.Database.MigrateAsync(cancellationToken);
                return;
            }
            catch (Exception problem) when (problem is not OperationCanceledException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }
}
